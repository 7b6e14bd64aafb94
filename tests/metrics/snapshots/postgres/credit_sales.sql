-- ===== credit_sales defaults grouped by nothing =====
-- sales: sales
SELECT
  "t6"."as_of",
  "t6"."currency",
  COALESCE(SUM("t6"."amount"), 0) AS "sales"
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

-- ===== credit_sales defaults grouped by team =====
-- sales: sales
SELECT
  "t17"."as_of",
  "t17"."team",
  "t17"."currency",
  COALESCE(SUM("t17"."amount"), 0) AS "sales"
FROM (
  SELECT
    "t16"."as_of",
    "t16"."at",
    "t16"."period_from",
    "t16"."invoice_id",
    "t16"."customer_id",
    "t16"."issue_date",
    "t16"."amount",
    "t16"."currency",
    "t16"."a_collector",
    "t16"."a_team",
    "t16"."team"
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
          "t12"."as_of",
          "t12"."at",
          "t12"."period_from",
          "t12"."invoice_id",
          "t12"."customer_id",
          "t12"."issue_date",
          "t12"."amount",
          "t12"."currency",
          "t12"."a_collector",
          "t12"."a_team"
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

