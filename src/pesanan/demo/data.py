"""The demo shop's fixed data: a small Indonesian shop selling coffee, food, batik and crafts.

Prices are in IDR with PPN (VAT) of 11%; staple food (rice) is VAT-exempt. Products are listed
so that any prefix still mixes categories (tests take the first few).
"""

from __future__ import annotations

from dataclasses import dataclass

CURRENCY = "IDR"
VAT = "0.11"


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    name: str
    price: int  # IDR, whole rupiah
    cost: int
    category: str  # food | textile | craft: which supplier makes it
    tax_rate: str = VAT


PRODUCTS: tuple[Item, ...] = (
    Item("KOPI-TORAJA-250", "Kopi Toraja 250 g", 85_000, 52_000, "food"),
    Item("BATIK-KEMEJA-M", "Kemeja batik, M", 275_000, 150_000, "textile"),
    Item("MUG-KERAMIK", "Mug keramik", 55_000, 24_000, "craft"),
    Item("BERAS-PANDAN-5KG", "Beras pandan wangi 5 kg", 78_000, 62_000, "food", "0"),
    Item("KAOS-HITAM-M", "Kaos hitam, M", 89_000, 42_000, "textile"),
    Item("TAS-ANYAMAN", "Tas anyaman rotan", 225_000, 120_000, "craft"),
    Item("KOPI-GAYO-250", "Kopi Gayo 250 g", 90_000, 55_000, "food"),
    Item("BATIK-KEMEJA-L", "Kemeja batik, L", 275_000, 150_000, "textile"),
    Item("LILIN-AROMA", "Lilin aromaterapi", 72_000, 33_000, "craft"),
    Item("TEH-MELATI-100", "Teh melati 100 g", 25_000, 14_000, "food"),
    Item("KAOS-HITAM-L", "Kaos hitam, L", 89_000, 42_000, "textile"),
    Item("SABUN-SEREH", "Sabun sereh", 22_000, 9_000, "craft"),
    Item("GULA-AREN-500", "Gula aren 500 g", 32_000, 19_000, "food"),
    Item("BATIK-KEMEJA-XL", "Kemeja batik, XL", 285_000, 155_000, "textile"),
    Item("PIRING-ROTAN", "Piring rotan", 48_000, 22_000, "craft"),
    Item("SAMBAL-BAWANG-200", "Sambal bawang 200 g", 28_000, 15_000, "food"),
    Item("KAOS-PUTIH-M", "Kaos putih, M", 89_000, 42_000, "textile"),
    Item("TUMBLER-BAMBU", "Tumbler bambu", 98_000, 45_000, "craft"),
    Item("MADU-HUTAN-500", "Madu hutan 500 g", 135_000, 88_000, "food"),
    Item("SARUNG-TENUN", "Sarung tenun", 185_000, 105_000, "textile"),
    Item("TOPI-BAMBU", "Topi bambu", 65_000, 30_000, "craft"),
    Item("KERUPUK-UDANG-250", "Kerupuk udang 250 g", 30_000, 17_000, "food"),
    Item("SYAL-TENUN", "Syal tenun", 145_000, 75_000, "textile"),
    Item("PAYUNG-LIPAT", "Payung lipat", 75_000, 35_000, "craft"),
    Item("KECAP-MANIS-600", "Kecap manis 600 ml", 26_000, 17_000, "food"),
    Item("DOMPET-BATIK", "Dompet batik", 95_000, 42_000, "textile"),
    Item("SANDAL-KULIT-42", "Sandal kulit, 42", 165_000, 90_000, "craft"),
    Item("MINYAK-KELAPA-1L", "Minyak kelapa 1 L", 45_000, 31_000, "food"),
    Item("BUKU-RESEP", "Buku resep Nusantara", 120_000, 70_000, "craft"),
    Item("KOPI-KINTAMANI-250", "Kopi Kintamani 250 g", 78_000, 47_000, "food"),
)


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    kind: str  # warehouse | store | 3pl


# Two warehouses and a store. No 3PL: a 3PL location's fulfilment orders are sent to its
# endpoint by the worker, and the demo has no 3PL to answer (a local one is refused as an
# internal address, a public one would be someone's real service), so under `make run` every
# dispatch would retry for days and then fail. The simulation ships for its places itself.
LOCATIONS: tuple[Place, ...] = (
    Place("WH-JKT", "Gudang Jakarta (Cakung)", "warehouse"),
    Place("TOKO-BDG", "Toko Bandung (Jl. Braga)", "store"),
    Place("WH-SBY", "Gudang Surabaya (Rungkut)", "warehouse"),
)


@dataclass(frozen=True, slots=True)
class Vendor:
    name: str
    email: str
    category: str  # what it makes; "all" for the wholesaler
    markup: str  # its price over our standard cost
    lead_time_days: int
    min_order_qty: int


# A maker per category (cheap, slow, sells by the carton) and a wholesaler for everything
# (dearer, next day, any quantity): replenish must choose between them by MOQ and price.
SUPPLIERS: tuple[Vendor, ...] = (
    Vendor("CV Kopi & Pangan Nusantara", "order@pangan-nusantara.example", "food", "0.95", 3, 24),
    Vendor("PT Tekstil Batik Pekalongan", "sales@batik-pekalongan.example", "textile", "0.92",
           4, 20),
    Vendor("UD Kerajinan Ubud", "po@kerajinan-ubud.example", "craft", "0.90", 4, 12),
    Vendor("PT Grosir Sentosa", "grosir@sentosa.example", "all", "1.08", 1, 1),
)

B2C_CUSTOMERS: tuple[tuple[str, str], ...] = (
    ("Siti Rahmawati", "card"), ("Budi Santoso", "cod"), ("Dewi Lestari", "card"),
    ("Agus Wijaya", "bank_transfer"), ("Rina Kartika", "cash"), ("Made Suardana", "card"),
    ("Putri Ayu", "cod"), ("Yusuf Hidayat", "card"), ("Nur Aini", "bank_transfer"),
    ("Andi Pratama", "cash"), ("Maria Simanjuntak", "card"), ("Hendra Gunawan", "cod"),
)

B2B_CUSTOMERS: tuple[tuple[str, str], ...] = (
    ("PT Kafe Senja Nusantara", "Jakarta"), ("Hotel Melati Asri", "Yogyakarta"),
    ("Toko Oleh-Oleh Sari Rasa", "Bandung"), ("CV Resto Padang Sederhana", "Padang"),
)

# Orders above this (tax included) are held for review (a business's bulk order now and then).
HOLD_ABOVE = "5000000"

CITIES: tuple[str, ...] = ("Jakarta", "Bandung", "Surabaya", "Yogyakarta", "Denpasar", "Medan")

STAFF: dict[str, tuple[str, ...]] = {
    "pos": ("kasir Rina", "kasir Joko"),
    "phone": ("CS Wulan", "CS Fajar"),
}

@dataclass(frozen=True, slots=True)
class Carrier:
    code: str
    name: str
    service: str  # parcel | LTL | counter (handed over in the store)
    tracking: str | None  # the tracking URL template ({tracking}); example.com: no real site


# The carriers the demo ships with; the shop creates them (fulfilment's carrier table), so every
# shipment names a known carrier and links to its tracking page.
CARRIERS: tuple[Carrier, ...] = (
    Carrier("JNE", "JNE Express", "parcel", "https://jne.example.com/track/{tracking}"),
    Carrier("SICEPAT", "SiCepat Ekspres", "parcel", "https://sicepat.example.com/resi/{tracking}"),
    Carrier("JNT", "J&T Express", "parcel", "https://jet.example.com/track/{tracking}"),
    Carrier("DELIVEREE", "Deliveree", "LTL", "https://deliveree.example.com/t/{tracking}"),
    Carrier("LALAMOVE", "Lalamove Truk", "LTL", "https://lalamove.example.com/t/{tracking}"),
    Carrier("TOKO", "Ambil di toko", "counter", None),
)


def carriers_for(service: str) -> tuple[Carrier, ...]:
    return tuple(c for c in CARRIERS if c.service == service)


# The shop's day: it trades 08:00-22:00 on its own wall clock, busiest at lunch and in the
# evening (weights of the hours 8 to 21, the share of the day's orders placed in each).
TIME_ZONE = "Asia/Jakarta"
OPENS, CLOSES = 8, 22
HOUR_WEIGHTS: tuple[int, ...] = (2, 3, 4, 6, 9, 8, 4, 4, 4, 5, 7, 9, 8, 4)
# A business customer's payment terms, in days after the invoice (customer.payment_terms_days).
B2B_TERMS_DAYS = (14, 30, 30, 7)
