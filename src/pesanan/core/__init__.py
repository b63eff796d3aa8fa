"""The pure core: values and rules that import neither FastAPI nor SQLAlchemy."""
