"""The receivables ledger: customers, invoices, payments and everything that moves a balance."""
