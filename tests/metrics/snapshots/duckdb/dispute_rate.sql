-- ===== dispute_rate defaults grouped by nothing =====
-- disputes_opened: disputes
SELECT
  "t9"."as_of",
  "t9"."currency",
  COUNT("t9"."as_of") AS "disputes"
FROM (
  SELECT
    "t8"."as_of",
    "t8"."at",
    "t6"."invoice_id",
    "t7"."customer_id",
    "t7"."currency"
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
    ON "t6"."opened_on" >= "t8"."period_from" AND "t6"."opened_on" <= "t8"."as_of"
) AS "t9"
GROUP BY
  1,
  2

-- sales: issued
SELECT
  "t6"."as_of",
  "t6"."currency",
  COUNT("t6"."as_of") AS "issued"
FROM (
  SELECT
    "t5"."as_of",
    "t5"."at",
    "t5"."period_from",
    "t4"."id" AS "invoice_id",
    "t4"."customer_id",
    "t4"."issue_date",
    "t4"."amount_minor" AS "amount",
    "t4"."currency"
  FROM (
    SELECT
      *
    FROM "ledger_invoice" AS "t0"
  ) AS "t4"
  INNER JOIN (
    SELECT
      "t1"."as_of",
      "t1"."period_from",
      "t1"."begin",
      "t1"."prior",
      "t1"."as_of" AS "at"
    FROM "_points" AS "t1"
  ) AS "t5"
    ON "t4"."issue_date" >= "t5"."period_from" AND "t4"."issue_date" <= "t5"."as_of"
) AS "t6"
GROUP BY
  1,
  2

-- ===== dispute_rate defaults grouped by team =====
-- disputes_opened: disputes
SELECT
  "t20"."as_of",
  "t20"."team",
  "t20"."currency",
  COUNT("t20"."as_of") AS "disputes"
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
        "t17"."a_collector",
        "t17"."a_team",
        "t10"."tm_id",
        "t10"."tm_name"
      FROM (
        SELECT
          "t15"."as_of",
          "t15"."at",
          "t15"."invoice_id",
          "t15"."customer_id",
          "t15"."currency",
          "t15"."a_collector",
          "t15"."a_team"
        FROM (
          SELECT
            "t13"."as_of",
            "t13"."at",
            "t11"."invoice_id",
            "t12"."customer_id",
            "t12"."currency",
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
            ON "t11"."opened_on" >= "t13"."period_from" AND "t11"."opened_on" <= "t13"."as_of"
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

-- sales: issued
SELECT
  "t17"."as_of",
  "t17"."team",
  "t17"."currency",
  COUNT("t17"."as_of") AS "issued"
FROM (
  SELECT
    "t16".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t15"."as_of",
      "t15"."at",
      "t15"."period_from",
      "t15"."invoice_id",
      "t15"."customer_id",
      "t15"."issue_date",
      "t15"."amount",
      "t15"."currency",
      "t15"."a_collector",
      "t15"."a_team",
      "t15"."tm_id",
      "t15"."tm_name",
      CASE
        WHEN (
          "t15"."tm_name" IS NULL
        ) OR (
          "t15"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t15"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t14"."as_of",
        "t14"."at",
        "t14"."period_from",
        "t14"."invoice_id",
        "t14"."customer_id",
        "t14"."issue_date",
        "t14"."amount",
        "t14"."currency",
        "t14"."a_collector",
        "t14"."a_team",
        "t8"."tm_id",
        "t8"."tm_name"
      FROM (
        SELECT
          "t12".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t10"."as_of",
            "t10"."at",
            "t10"."period_from",
            "t9"."id" AS "invoice_id",
            "t9"."customer_id",
            "t9"."issue_date",
            "t9"."amount_minor" AS "amount",
            "t9"."currency",
            "t11"."a_customer",
            "t11"."a_from",
            "t11"."a_to",
            "t11"."a_collector",
            "t11"."a_team"
          FROM (
            SELECT
              *
            FROM "ledger_invoice" AS "t1"
          ) AS "t9"
          INNER JOIN (
            SELECT
              "t2"."as_of",
              "t2"."period_from",
              "t2"."begin",
              "t2"."prior",
              "t2"."as_of" AS "at"
            FROM "_points" AS "t2"
          ) AS "t10"
            ON "t9"."issue_date" >= "t10"."period_from" AND "t9"."issue_date" <= "t10"."as_of"
          LEFT OUTER JOIN (
            SELECT
              "t3"."customer_id" AS "a_customer",
              "t3"."valid_from" AS "a_from",
              "t3"."valid_to" AS "a_to",
              "t3"."collector_id" AS "a_collector",
              "t3"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t3"
          ) AS "t11"
            ON "t9"."customer_id" = "t11"."a_customer"
            AND "t11"."a_from" <= "t10"."at"
            AND (
              (
                "t11"."a_to" IS NULL
              ) OR (
                "t11"."a_to" > "t10"."at"
              )
            )
        ) AS "t12"
      ) AS "t14"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t8"
        ON "t14"."a_team" = "t8"."tm_id"
    ) AS "t15"
  ) AS "t16"
) AS "t17"
GROUP BY
  1,
  2,
  3

