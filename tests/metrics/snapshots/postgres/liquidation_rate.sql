-- ===== liquidation_rate defaults grouped by nothing =====
-- placement: collected, placed
SELECT
  "t20"."as_of",
  "t20"."currency",
  COALESCE(SUM("t20"."collected"), 0) AS "collected",
  COALESCE(SUM("t20"."amount"), 0) AS "placed"
FROM (
  SELECT
    "t19"."as_of",
    "t19"."at",
    "t19"."placement_id",
    "t19"."invoice_id",
    "t19"."amount",
    "t19"."currency",
    "t19"."collected",
    "t19"."recovered",
    "t10"."customer_id"
  FROM (
    SELECT
      "t17"."as_of",
      "t17"."at",
      "t17"."placement_id",
      "t17"."invoice_id",
      "t17"."amount",
      "t17"."currency",
      COALESCE(SUM("t17"."cash"), 0) AS "collected",
      COALESCE(SUM("t17"."cash") FILTER(WHERE
        "t17"."while_placed"), 0) AS "recovered"
    FROM (
      SELECT
        "t12"."as_of",
        "t12"."at",
        "t11"."id" AS "placement_id",
        "t11"."invoice_id",
        "t11"."placed_on",
        "t11"."recalled_on",
        "t11"."amount_minor" AS "amount",
        "t11"."currency",
        "t16"."cash",
        (
          "t11"."recalled_on" IS NULL
        ) OR (
          "t16"."on" < "t11"."recalled_on"
        ) AS "while_placed"
      FROM (
        SELECT
          *
        FROM "ledger_placement" AS "t1"
      ) AS "t11"
      INNER JOIN (
        SELECT
          "t2"."as_of",
          "t2"."as_of" AS "at",
          "t2"."period_from"
        FROM "_points" AS "t2"
      ) AS "t12"
        ON "t11"."placed_on" >= "t12"."period_from" AND "t11"."placed_on" <= "t12"."as_of"
      LEFT OUTER JOIN (
        SELECT
          "t13"."invoice_id" AS "cash_invoice",
          "t14"."received_on" AS "on",
          "t13"."amount_minor" AS "cash"
        FROM (
          SELECT
            *
          FROM "ledger_allocation" AS "t3"
        ) AS "t13"
        INNER JOIN (
          SELECT
            *
          FROM "ledger_payment" AS "t4"
        ) AS "t14"
          ON "t13"."payment_id" = "t14"."id"
      ) AS "t16"
        ON "t11"."invoice_id" = "t16"."cash_invoice"
        AND "t16"."on" >= "t11"."placed_on"
        AND "t16"."on" <= "t12"."as_of"
    ) AS "t17"
    GROUP BY
      1,
      2,
      3,
      4,
      5,
      6
  ) AS "t19"
  INNER JOIN (
    SELECT
      *
    FROM "ledger_invoice" AS "t0"
  ) AS "t10"
    ON "t19"."invoice_id" = "t10"."id"
) AS "t20"
GROUP BY
  1,
  2

-- ===== liquidation_rate defaults grouped by team =====
-- placement: collected, placed
SELECT
  "t31"."as_of",
  "t31"."team",
  "t31"."currency",
  COALESCE(SUM("t31"."collected"), 0) AS "collected",
  COALESCE(SUM("t31"."amount"), 0) AS "placed"
FROM (
  SELECT
    "t30"."as_of",
    "t30"."at",
    "t30"."placement_id",
    "t30"."invoice_id",
    "t30"."amount",
    "t30"."currency",
    "t30"."collected",
    "t30"."recovered",
    "t30"."customer_id",
    "t30"."a_collector",
    "t30"."a_team",
    "t30"."team"
  FROM (
    SELECT
      "t29"."as_of",
      "t29"."at",
      "t29"."placement_id",
      "t29"."invoice_id",
      "t29"."amount",
      "t29"."currency",
      "t29"."collected",
      "t29"."recovered",
      "t29"."customer_id",
      "t29"."a_collector",
      "t29"."a_team",
      "t29"."tm_id",
      "t29"."tm_name",
      CASE
        WHEN (
          "t29"."tm_name" IS NULL
        ) OR (
          "t29"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t29"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t28"."as_of",
        "t28"."at",
        "t28"."placement_id",
        "t28"."invoice_id",
        "t28"."amount",
        "t28"."currency",
        "t28"."collected",
        "t28"."recovered",
        "t28"."customer_id",
        "t28"."a_collector",
        "t28"."a_team",
        "t14"."tm_id",
        "t14"."tm_name"
      FROM (
        SELECT
          "t26"."as_of",
          "t26"."at",
          "t26"."placement_id",
          "t26"."invoice_id",
          "t26"."amount",
          "t26"."currency",
          "t26"."collected",
          "t26"."recovered",
          "t26"."customer_id",
          "t26"."a_collector",
          "t26"."a_team"
        FROM (
          SELECT
            "t25"."as_of",
            "t25"."at",
            "t25"."placement_id",
            "t25"."invoice_id",
            "t25"."amount",
            "t25"."currency",
            "t25"."collected",
            "t25"."recovered",
            "t15"."customer_id",
            "t16"."a_customer",
            "t16"."a_from",
            "t16"."a_to",
            "t16"."a_collector",
            "t16"."a_team"
          FROM (
            SELECT
              "t23"."as_of",
              "t23"."at",
              "t23"."placement_id",
              "t23"."invoice_id",
              "t23"."amount",
              "t23"."currency",
              COALESCE(SUM("t23"."cash"), 0) AS "collected",
              COALESCE(SUM("t23"."cash") FILTER(WHERE
                "t23"."while_placed"), 0) AS "recovered"
            FROM (
              SELECT
                "t18"."as_of",
                "t18"."at",
                "t17"."id" AS "placement_id",
                "t17"."invoice_id",
                "t17"."placed_on",
                "t17"."recalled_on",
                "t17"."amount_minor" AS "amount",
                "t17"."currency",
                "t22"."cash",
                (
                  "t17"."recalled_on" IS NULL
                ) OR (
                  "t22"."on" < "t17"."recalled_on"
                ) AS "while_placed"
              FROM (
                SELECT
                  *
                FROM "ledger_placement" AS "t3"
              ) AS "t17"
              INNER JOIN (
                SELECT
                  "t4"."as_of",
                  "t4"."as_of" AS "at",
                  "t4"."period_from"
                FROM "_points" AS "t4"
              ) AS "t18"
                ON "t17"."placed_on" >= "t18"."period_from" AND "t17"."placed_on" <= "t18"."as_of"
              LEFT OUTER JOIN (
                SELECT
                  "t19"."invoice_id" AS "cash_invoice",
                  "t20"."received_on" AS "on",
                  "t19"."amount_minor" AS "cash"
                FROM (
                  SELECT
                    *
                  FROM "ledger_allocation" AS "t5"
                ) AS "t19"
                INNER JOIN (
                  SELECT
                    *
                  FROM "ledger_payment" AS "t6"
                ) AS "t20"
                  ON "t19"."payment_id" = "t20"."id"
              ) AS "t22"
                ON "t17"."invoice_id" = "t22"."cash_invoice"
                AND "t22"."on" >= "t17"."placed_on"
                AND "t22"."on" <= "t18"."as_of"
            ) AS "t23"
            GROUP BY
              1,
              2,
              3,
              4,
              5,
              6
          ) AS "t25"
          INNER JOIN (
            SELECT
              *
            FROM "ledger_invoice" AS "t1"
          ) AS "t15"
            ON "t25"."invoice_id" = "t15"."id"
          LEFT OUTER JOIN (
            SELECT
              "t2"."customer_id" AS "a_customer",
              "t2"."valid_from" AS "a_from",
              "t2"."valid_to" AS "a_to",
              "t2"."collector_id" AS "a_collector",
              "t2"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t2"
          ) AS "t16"
            ON "t15"."customer_id" = "t16"."a_customer"
            AND "t16"."a_from" <= "t25"."at"
            AND (
              (
                "t16"."a_to" IS NULL
              ) OR (
                "t16"."a_to" > "t25"."at"
              )
            )
        ) AS "t26"
      ) AS "t28"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t14"
        ON "t28"."a_team" = "t14"."tm_id"
    ) AS "t29"
  ) AS "t30"
) AS "t31"
GROUP BY
  1,
  2,
  3

