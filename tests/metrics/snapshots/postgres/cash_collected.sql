-- ===== cash_collected defaults grouped by nothing =====
-- shared relation _rel_3924396eeab8
SELECT
  "t6"."invoice_id",
  "t8"."customer_id",
  "t8"."currency",
  "t7"."received_on" AS "on",
  "t6"."amount_minor" AS "amount"
FROM (
  SELECT
    *
  FROM "ledger_allocation" AS "t0"
) AS "t6"
INNER JOIN (
  SELECT
    *
  FROM "ledger_payment" AS "t1"
) AS "t7"
  ON "t6"."payment_id" = "t7"."id"
INNER JOIN (
  SELECT
    *
  FROM "ledger_invoice" AS "t2"
) AS "t8"
  ON "t6"."invoice_id" = "t8"."id"

-- cash: cash
SELECT
  "t5"."as_of",
  "t5"."currency",
  COALESCE(SUM("t5"."amount"), 0) AS "cash"
FROM (
  SELECT
    "t4"."as_of",
    "t4"."at",
    "t2"."invoice_id",
    "t2"."customer_id",
    "t2"."currency",
    "t2"."amount"
  FROM "_rel_3924396eeab8" AS "t2"
  INNER JOIN (
    SELECT
      "t1"."as_of",
      "t1"."as_of" AS "at",
      "t1"."period_from"
    FROM "_points" AS "t1"
  ) AS "t4"
    ON "t2"."on" >= "t4"."period_from" AND "t2"."on" <= "t4"."as_of"
) AS "t5"
GROUP BY
  1,
  2

-- ===== cash_collected defaults grouped by team =====
-- shared relation _rel_3924396eeab8
SELECT
  "t6"."invoice_id",
  "t8"."customer_id",
  "t8"."currency",
  "t7"."received_on" AS "on",
  "t6"."amount_minor" AS "amount"
FROM (
  SELECT
    *
  FROM "ledger_allocation" AS "t0"
) AS "t6"
INNER JOIN (
  SELECT
    *
  FROM "ledger_payment" AS "t1"
) AS "t7"
  ON "t6"."payment_id" = "t7"."id"
INNER JOIN (
  SELECT
    *
  FROM "ledger_invoice" AS "t2"
) AS "t8"
  ON "t6"."invoice_id" = "t8"."id"

-- cash: cash
SELECT
  "t16"."as_of",
  "t16"."team",
  "t16"."currency",
  COALESCE(SUM("t16"."amount"), 0) AS "cash"
FROM (
  SELECT
    "t15"."as_of",
    "t15"."at",
    "t15"."invoice_id",
    "t15"."customer_id",
    "t15"."currency",
    "t15"."amount",
    "t15"."a_collector",
    "t15"."a_team",
    "t15"."team"
  FROM (
    SELECT
      "t14"."as_of",
      "t14"."at",
      "t14"."invoice_id",
      "t14"."customer_id",
      "t14"."currency",
      "t14"."amount",
      "t14"."a_collector",
      "t14"."a_team",
      "t14"."tm_id",
      "t14"."tm_name",
      CASE
        WHEN (
          "t14"."tm_name" IS NULL
        ) OR (
          "t14"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t14"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t13"."as_of",
        "t13"."at",
        "t13"."invoice_id",
        "t13"."customer_id",
        "t13"."currency",
        "t13"."amount",
        "t13"."a_collector",
        "t13"."a_team",
        "t8"."tm_id",
        "t8"."tm_name"
      FROM (
        SELECT
          "t11"."as_of",
          "t11"."at",
          "t11"."invoice_id",
          "t11"."customer_id",
          "t11"."currency",
          "t11"."amount",
          "t11"."a_collector",
          "t11"."a_team"
        FROM (
          SELECT
            "t9"."as_of",
            "t9"."at",
            "t4"."invoice_id",
            "t4"."customer_id",
            "t4"."currency",
            "t4"."amount",
            "t10"."a_customer",
            "t10"."a_from",
            "t10"."a_to",
            "t10"."a_collector",
            "t10"."a_team"
          FROM "_rel_3924396eeab8" AS "t4"
          INNER JOIN (
            SELECT
              "t2"."as_of",
              "t2"."as_of" AS "at",
              "t2"."period_from"
            FROM "_points" AS "t2"
          ) AS "t9"
            ON "t4"."on" >= "t9"."period_from" AND "t4"."on" <= "t9"."as_of"
          LEFT OUTER JOIN (
            SELECT
              "t3"."customer_id" AS "a_customer",
              "t3"."valid_from" AS "a_from",
              "t3"."valid_to" AS "a_to",
              "t3"."collector_id" AS "a_collector",
              "t3"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t3"
          ) AS "t10"
            ON "t4"."customer_id" = "t10"."a_customer"
            AND "t10"."a_from" <= "t9"."at"
            AND (
              (
                "t10"."a_to" IS NULL
              ) OR (
                "t10"."a_to" > "t9"."at"
              )
            )
        ) AS "t11"
      ) AS "t13"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t8"
        ON "t13"."a_team" = "t8"."tm_id"
    ) AS "t14"
  ) AS "t15"
) AS "t16"
GROUP BY
  1,
  2,
  3

