-- ===== promise_kept_rate defaults grouped by nothing =====
-- promise: kept_amount, due_amount
SELECT
  "t11"."as_of",
  "t11"."currency",
  COALESCE(SUM("t11"."amount") FILTER(WHERE
    "t11"."kept"), 0) AS "kept_amount",
  COALESCE(SUM("t11"."amount"), 0) AS "due_amount"
FROM (
  SELECT
    "t10"."as_of",
    "t10"."at",
    "t10"."promise_id",
    "t10"."customer_id",
    "t10"."amount",
    "t10"."currency",
    "t10"."paid",
    "t10"."paid" >= "t10"."amount" AS "kept"
  FROM (
    SELECT
      "t9"."as_of",
      "t9"."at",
      "t9"."promise_id",
      "t9"."customer_id",
      "t9"."amount",
      "t9"."currency",
      COALESCE(SUM("t9"."paid"), 0) AS "paid"
    FROM (
      SELECT
        "t6"."as_of",
        "t6"."at",
        "t8"."id" AS "promise_id",
        "t8"."customer_id",
        "t8"."promised_on",
        "t8"."until",
        "t8"."amount_minor" AS "amount",
        "t8"."currency",
        "t7"."paid"
      FROM (
        SELECT
          "t0"."id",
          "t0"."customer_id",
          "t0"."promised_on",
          "t0"."due_date",
          "t0"."amount_minor",
          "t0"."currency",
          "t0"."due_date" + INTERVAL '3 DAY' AS "until"
        FROM "ledger_promisetopay" AS "t0"
      ) AS "t8"
      INNER JOIN (
        SELECT
          "t1"."as_of",
          "t1"."as_of" AS "at",
          "t1"."period_from"
        FROM "_points" AS "t1"
      ) AS "t6"
        ON "t8"."until" >= "t6"."period_from" AND "t8"."until" <= "t6"."as_of"
      LEFT OUTER JOIN (
        SELECT
          "t2"."customer_id" AS "pay_customer",
          "t2"."received_on" AS "on",
          "t2"."amount_minor" AS "paid",
          "t2"."currency" AS "pay_cur"
        FROM "ledger_payment" AS "t2"
      ) AS "t7"
        ON "t8"."customer_id" = "t7"."pay_customer"
        AND "t8"."currency" = "t7"."pay_cur"
        AND "t7"."on" >= "t8"."promised_on"
        AND "t7"."on" <= "t8"."until"
    ) AS "t9"
    GROUP BY
      1,
      2,
      3,
      4,
      5,
      6
  ) AS "t10"
) AS "t11"
GROUP BY
  1,
  2

-- ===== promise_kept_rate defaults grouped by team =====
-- promise: kept_amount, due_amount
SELECT
  "t24"."as_of",
  "t24"."team",
  "t24"."currency",
  COALESCE(SUM("t24"."amount") FILTER(WHERE
    "t24"."kept"), 0) AS "kept_amount",
  COALESCE(SUM("t24"."amount"), 0) AS "due_amount"
FROM (
  SELECT
    "t23"."as_of",
    "t23"."at",
    "t23"."promise_id",
    "t23"."customer_id",
    "t23"."amount",
    "t23"."currency",
    "t23"."paid",
    "t23"."kept",
    "t23"."a_collector",
    "t23"."a_team",
    "t23"."team"
  FROM (
    SELECT
      "t22"."as_of",
      "t22"."at",
      "t22"."promise_id",
      "t22"."customer_id",
      "t22"."amount",
      "t22"."currency",
      "t22"."paid",
      "t22"."kept",
      "t22"."a_collector",
      "t22"."a_team",
      "t22"."tm_id",
      "t22"."tm_name",
      CASE
        WHEN (
          "t22"."tm_name" IS NULL
        ) OR (
          "t22"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t22"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t21"."as_of",
        "t21"."at",
        "t21"."promise_id",
        "t21"."customer_id",
        "t21"."amount",
        "t21"."currency",
        "t21"."paid",
        "t21"."kept",
        "t21"."a_collector",
        "t21"."a_team",
        "t9"."tm_id",
        "t9"."tm_name"
      FROM (
        SELECT
          "t19"."as_of",
          "t19"."at",
          "t19"."promise_id",
          "t19"."customer_id",
          "t19"."amount",
          "t19"."currency",
          "t19"."paid",
          "t19"."kept",
          "t19"."a_collector",
          "t19"."a_team"
        FROM (
          SELECT
            "t18"."as_of",
            "t18"."at",
            "t18"."promise_id",
            "t18"."customer_id",
            "t18"."amount",
            "t18"."currency",
            "t18"."paid",
            "t18"."kept",
            "t10"."a_customer",
            "t10"."a_from",
            "t10"."a_to",
            "t10"."a_collector",
            "t10"."a_team"
          FROM (
            SELECT
              "t16"."as_of",
              "t16"."at",
              "t16"."promise_id",
              "t16"."customer_id",
              "t16"."amount",
              "t16"."currency",
              "t16"."paid",
              "t16"."paid" >= "t16"."amount" AS "kept"
            FROM (
              SELECT
                "t15"."as_of",
                "t15"."at",
                "t15"."promise_id",
                "t15"."customer_id",
                "t15"."amount",
                "t15"."currency",
                COALESCE(SUM("t15"."paid"), 0) AS "paid"
              FROM (
                SELECT
                  "t12"."as_of",
                  "t12"."at",
                  "t14"."id" AS "promise_id",
                  "t14"."customer_id",
                  "t14"."promised_on",
                  "t14"."until",
                  "t14"."amount_minor" AS "amount",
                  "t14"."currency",
                  "t13"."paid"
                FROM (
                  SELECT
                    "t2"."id",
                    "t2"."customer_id",
                    "t2"."promised_on",
                    "t2"."due_date",
                    "t2"."amount_minor",
                    "t2"."currency",
                    "t2"."due_date" + INTERVAL '3 DAY' AS "until"
                  FROM "ledger_promisetopay" AS "t2"
                ) AS "t14"
                INNER JOIN (
                  SELECT
                    "t3"."as_of",
                    "t3"."as_of" AS "at",
                    "t3"."period_from"
                  FROM "_points" AS "t3"
                ) AS "t12"
                  ON "t14"."until" >= "t12"."period_from" AND "t14"."until" <= "t12"."as_of"
                LEFT OUTER JOIN (
                  SELECT
                    "t4"."customer_id" AS "pay_customer",
                    "t4"."received_on" AS "on",
                    "t4"."amount_minor" AS "paid",
                    "t4"."currency" AS "pay_cur"
                  FROM "ledger_payment" AS "t4"
                ) AS "t13"
                  ON "t14"."customer_id" = "t13"."pay_customer"
                  AND "t14"."currency" = "t13"."pay_cur"
                  AND "t13"."on" >= "t14"."promised_on"
                  AND "t13"."on" <= "t14"."until"
              ) AS "t15"
              GROUP BY
                1,
                2,
                3,
                4,
                5,
                6
            ) AS "t16"
          ) AS "t18"
          LEFT OUTER JOIN (
            SELECT
              "t1"."customer_id" AS "a_customer",
              "t1"."valid_from" AS "a_from",
              "t1"."valid_to" AS "a_to",
              "t1"."collector_id" AS "a_collector",
              "t1"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t1"
          ) AS "t10"
            ON "t18"."customer_id" = "t10"."a_customer"
            AND "t10"."a_from" <= "t18"."at"
            AND (
              (
                "t10"."a_to" IS NULL
              ) OR (
                "t10"."a_to" > "t18"."at"
              )
            )
        ) AS "t19"
      ) AS "t21"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t9"
        ON "t21"."a_team" = "t9"."tm_id"
    ) AS "t22"
  ) AS "t23"
) AS "t24"
GROUP BY
  1,
  2,
  3

