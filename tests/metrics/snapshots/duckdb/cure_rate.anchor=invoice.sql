-- ===== cure_rate {'anchor': 'invoice'} grouped by nothing =====
-- refused: cure_rate.from_bucket='1-30': expected one of 0-30, 31-60, 61-90, 91-120, 120+

-- ===== cure_rate {'anchor': 'invoice'} grouped by team =====
-- refused: cure_rate.from_bucket='1-30': expected one of 0-30, 31-60, 61-90, 91-120, 120+

