-- ===== write_off_ratio defaults grouped by nothing =====
-- writeoff: written_off
SELECT
  "t9"."as_of",
  "t9"."currency",
  COALESCE(SUM("t9"."amount"), 0) AS "written_off"
FROM (
  SELECT
    "t7"."as_of",
    "t7"."at",
    "t8"."invoice_id",
    "t6"."customer_id",
    "t6"."currency",
    "t8"."amount_minor" AS "amount"
  FROM (
    SELECT
      *
    FROM "ledger_adjustment" AS "t0"
    WHERE
      "t0"."kind" = 'write_off'
  ) AS "t8"
  INNER JOIN (
    SELECT
      *
    FROM "ledger_invoice" AS "t1"
  ) AS "t6"
    ON "t8"."invoice_id" = "t6"."id"
  INNER JOIN (
    SELECT
      "t2"."as_of",
      "t2"."as_of" AS "at",
      "t2"."period_from"
    FROM "_points" AS "t2"
  ) AS "t7"
    ON "t8"."effective_on" >= "t7"."period_from" AND "t8"."effective_on" <= "t7"."as_of"
) AS "t9"
GROUP BY
  1,
  2

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

-- ===== write_off_ratio defaults grouped by team =====
-- writeoff: written_off
SELECT
  "t20"."as_of",
  "t20"."team",
  "t20"."currency",
  COALESCE(SUM("t20"."amount"), 0) AS "written_off"
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
      "t18"."amount",
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
        "t17"."amount",
        "t17"."a_collector",
        "t17"."a_team",
        "t9"."tm_id",
        "t9"."tm_name"
      FROM (
        SELECT
          "t15".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t12"."as_of",
            "t12"."at",
            "t14"."invoice_id",
            "t11"."customer_id",
            "t11"."currency",
            "t14"."amount_minor" AS "amount",
            "t13"."a_customer",
            "t13"."a_from",
            "t13"."a_to",
            "t13"."a_collector",
            "t13"."a_team"
          FROM (
            SELECT
              *
            FROM "ledger_adjustment" AS "t1"
            WHERE
              "t1"."kind" = 'write_off'
          ) AS "t14"
          INNER JOIN (
            SELECT
              *
            FROM "ledger_invoice" AS "t2"
          ) AS "t11"
            ON "t14"."invoice_id" = "t11"."id"
          INNER JOIN (
            SELECT
              "t3"."as_of",
              "t3"."as_of" AS "at",
              "t3"."period_from"
            FROM "_points" AS "t3"
          ) AS "t12"
            ON "t14"."effective_on" >= "t12"."period_from"
            AND "t14"."effective_on" <= "t12"."as_of"
          LEFT OUTER JOIN (
            SELECT
              "t4"."customer_id" AS "a_customer",
              "t4"."valid_from" AS "a_from",
              "t4"."valid_to" AS "a_to",
              "t4"."collector_id" AS "a_collector",
              "t4"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t4"
          ) AS "t13"
            ON "t11"."customer_id" = "t13"."a_customer"
            AND "t13"."a_from" <= "t12"."at"
            AND (
              (
                "t13"."a_to" IS NULL
              ) OR (
                "t13"."a_to" > "t12"."at"
              )
            )
        ) AS "t15"
      ) AS "t17"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t9"
        ON "t17"."a_team" = "t9"."tm_id"
    ) AS "t18"
  ) AS "t19"
) AS "t20"
GROUP BY
  1,
  2,
  3

-- sales: sales
SELECT
  "t17"."as_of",
  "t17"."team",
  "t17"."currency",
  COALESCE(SUM("t17"."amount"), 0) AS "sales"
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

