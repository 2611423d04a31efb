"""Processing: submissions become cases; cases are screened, categorised, routed and transferred."""
