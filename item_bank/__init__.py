"""The CPS ethics item bank: model, loading and validation, scoring, form assembly, linting and statistics.

No web, no XML, no database: everything here is plain data in, plain data out.
"""
