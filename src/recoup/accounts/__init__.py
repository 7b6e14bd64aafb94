"""Users, teams, roles and the audit log."""
