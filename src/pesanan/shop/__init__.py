"""The shop itself: its legal identity, time zone, locale, currency, document wording and
number prefixes (issue 12). One row; every other package reads it through service.profile()."""
