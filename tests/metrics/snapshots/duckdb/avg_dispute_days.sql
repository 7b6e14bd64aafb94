-- ===== avg_dispute_days defaults grouped by nothing =====
-- disputes_resolved: dispute_days, n_resolved
SELECT
  "t9"."as_of",
  "t9"."currency",
  COALESCE(SUM("t9"."days"), 0) AS "dispute_days",
  COUNT("t9"."as_of") AS "n_resolved"
FROM (
  SELECT
    "t8"."as_of",
    "t8"."at",
    "t6"."invoice_id",
    "t7"."customer_id",
    "t7"."currency",
    DATE_DIFF('DAY', "t6"."opened_on", "t6"."resolved_on") AS "days"
  FROM (
    SELECT
      *
    FROM "ledger_dispute" AS "t0"
  ) AS "t6"
  INNER JOIN (
    SELECT
      *
    FROM "ledger_invoice" AS "t1"
  ) AS "t7"
    ON "t6"."invoice_id" = "t7"."id"
  INNER JOIN (
    SELECT
      "t2"."as_of",
      "t2"."as_of" AS "at",
      "t2"."period_from"
    FROM "_points" AS "t2"
  ) AS "t8"
    ON "t6"."resolved_on" >= "t8"."period_from" AND "t6"."resolved_on" <= "t8"."as_of"
) AS "t9"
GROUP BY
  1,
  2

-- ===== avg_dispute_days defaults grouped by team =====
-- disputes_resolved: dispute_days, n_resolved
SELECT
  "t20"."as_of",
  "t20"."team",
  "t20"."currency",
  COALESCE(SUM("t20"."days"), 0) AS "dispute_days",
  COUNT("t20"."as_of") AS "n_resolved"
FROM (
  SELECT
    "t19".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t18"."as_of",
      "t18"."at",
      "t18"."invoice_id",
      "t18"."customer_id",
      "t18"."currency",
      "t18"."days",
      "t18"."a_collector",
      "t18"."a_team",
      "t18"."tm_id",
      "t18"."tm_name",
      CASE
        WHEN (
          "t18"."tm_name" IS NULL
        ) OR (
          "t18"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t18"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t17"."as_of",
        "t17"."at",
        "t17"."invoice_id",
        "t17"."customer_id",
        "t17"."currency",
        "t17"."days",
        "t17"."a_collector",
        "t17"."a_team",
        "t10"."tm_id",
        "t10"."tm_name"
      FROM (
        SELECT
          "t15".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t13"."as_of",
            "t13"."at",
            "t11"."invoice_id",
            "t12"."customer_id",
            "t12"."currency",
            DATE_DIFF('DAY', "t11"."opened_on", "t11"."resolved_on") AS "days",
            "t14"."a_customer",
            "t14"."a_from",
            "t14"."a_to",
            "t14"."a_collector",
            "t14"."a_team"
          FROM (
            SELECT
              *
            FROM "ledger_dispute" AS "t1"
          ) AS "t11"
          INNER JOIN (
            SELECT
              *
            FROM "ledger_invoice" AS "t2"
          ) AS "t12"
            ON "t11"."invoice_id" = "t12"."id"
          INNER JOIN (
            SELECT
              "t3"."as_of",
              "t3"."as_of" AS "at",
              "t3"."period_from"
            FROM "_points" AS "t3"
          ) AS "t13"
            ON "t11"."resolved_on" >= "t13"."period_from"
            AND "t11"."resolved_on" <= "t13"."as_of"
          LEFT OUTER JOIN (
            SELECT
              "t4"."customer_id" AS "a_customer",
              "t4"."valid_from" AS "a_from",
              "t4"."valid_to" AS "a_to",
              "t4"."collector_id" AS "a_collector",
              "t4"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t4"
          ) AS "t14"
            ON "t12"."customer_id" = "t14"."a_customer"
            AND "t14"."a_from" <= "t13"."at"
            AND (
              (
                "t14"."a_to" IS NULL
              ) OR (
                "t14"."a_to" > "t13"."at"
              )
            )
        ) AS "t15"
      ) AS "t17"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t10"
        ON "t17"."a_team" = "t10"."tm_id"
    ) AS "t18"
  ) AS "t19"
) AS "t20"
GROUP BY
  1,
  2,
  3

