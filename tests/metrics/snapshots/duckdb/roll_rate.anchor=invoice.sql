-- ===== roll_rate {'anchor': 'invoice'} grouped by nothing =====
-- refused: roll_rate.from_bucket='1-30': expected one of 0-30, 31-60, 61-90, 91-120, 120+

-- ===== roll_rate {'anchor': 'invoice'} grouped by team =====
-- refused: roll_rate.from_bucket='1-30': expected one of 0-30, 31-60, 61-90, 91-120, 120+

