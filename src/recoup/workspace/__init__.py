"""The account workspace: one page per debtor and the audited actions taken on it."""
