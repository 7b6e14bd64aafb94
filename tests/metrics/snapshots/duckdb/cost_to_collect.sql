-- ===== cost_to_collect defaults grouped by nothing =====
-- cost: cost
SELECT
  "t6"."as_of",
  "t6"."currency",
  COALESCE(SUM("t6"."amount"), 0) AS "cost"
FROM (
  SELECT
    "t5"."as_of",
    "t5"."at",
    "t4"."team_id",
    "t4"."currency",
    "t4"."amount_minor" AS "amount"
  FROM (
    SELECT
      *
    FROM "ledger_collectioncost" AS "t0"
  ) AS "t4"
  INNER JOIN (
    SELECT
      "t1"."as_of",
      "t1"."as_of" AS "at",
      "t1"."period_from"
    FROM "_points" AS "t1"
  ) AS "t5"
    ON "t4"."incurred_on" >= "t5"."period_from" AND "t4"."incurred_on" <= "t5"."as_of"
) AS "t6"
GROUP BY
  1,
  2

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

-- ===== cost_to_collect defaults grouped by team =====
-- cost: cost
SELECT
  "t11"."as_of",
  "t11"."team",
  "t11"."currency",
  COALESCE(SUM("t11"."amount"), 0) AS "cost"
FROM (
  SELECT
    "t10".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t9"."as_of",
      "t9"."at",
      "t9"."team_id",
      "t9"."currency",
      "t9"."amount",
      "t9"."tm_id",
      "t9"."tm_name",
      CASE
        WHEN (
          "t9"."tm_name" IS NULL
        ) OR (
          "t9"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t9"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t7"."as_of",
        "t7"."at",
        "t6"."team_id",
        "t6"."currency",
        "t6"."amount_minor" AS "amount",
        "t8"."tm_id",
        "t8"."tm_name"
      FROM (
        SELECT
          *
        FROM "ledger_collectioncost" AS "t0"
      ) AS "t6"
      INNER JOIN (
        SELECT
          "t1"."as_of",
          "t1"."as_of" AS "at",
          "t1"."period_from"
        FROM "_points" AS "t1"
      ) AS "t7"
        ON "t6"."incurred_on" >= "t7"."period_from" AND "t6"."incurred_on" <= "t7"."as_of"
      LEFT OUTER JOIN (
        SELECT
          "t2"."id" AS "tm_id",
          "t2"."name" AS "tm_name"
        FROM "accounts_team" AS "t2"
      ) AS "t8"
        ON "t6"."team_id" = "t8"."tm_id"
    ) AS "t9"
  ) AS "t10"
) AS "t11"
GROUP BY
  1,
  2,
  3

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
    "t15".*
    EXCLUDE ("tm_id", "tm_name")
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
          "t11".*
          EXCLUDE ("a_customer", "a_from", "a_to")
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

