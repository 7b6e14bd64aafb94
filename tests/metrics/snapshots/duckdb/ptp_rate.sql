-- ===== ptp_rate defaults grouped by nothing =====
-- activity: promises, rpc_all
SELECT
  "t6"."as_of",
  COUNT("t6"."as_of") FILTER(WHERE
    "t6"."outcome" = 'promise') AS "promises",
  COUNT("t6"."as_of") FILTER(WHERE
    "t6"."outcome" IN ('right_party_contact', 'promise', 'refusal', 'dispute', 'payment')) AS "rpc_all"
FROM (
  SELECT
    "t4"."as_of",
    "t4"."at",
    "t5"."customer_id",
    "t5"."collector_id" AS "activity_collector_id",
    "t5"."channel",
    "t5"."direction",
    "t5"."outcome"
  FROM (
    SELECT
      "t0"."id",
      "t0"."customer_id",
      "t0"."channel",
      "t0"."direction",
      "t0"."outcome",
      "t0"."collector_id",
      "t0"."occurred_at",
      CAST("t0"."occurred_at" AS DATE) AS "on"
    FROM "ledger_activity" AS "t0"
  ) AS "t5"
  INNER JOIN (
    SELECT
      "t1"."as_of",
      "t1"."as_of" AS "at",
      "t1"."period_from"
    FROM "_points" AS "t1"
  ) AS "t4"
    ON "t5"."on" >= "t4"."period_from" AND "t5"."on" <= "t4"."as_of"
) AS "t6"
GROUP BY
  1

-- ===== ptp_rate defaults grouped by team =====
-- activity: promises, rpc_all
SELECT
  "t17"."as_of",
  "t17"."team",
  COUNT("t17"."as_of") FILTER(WHERE
    "t17"."outcome" = 'promise') AS "promises",
  COUNT("t17"."as_of") FILTER(WHERE
    "t17"."outcome" IN ('right_party_contact', 'promise', 'refusal', 'dispute', 'payment')) AS "rpc_all"
FROM (
  SELECT
    "t16".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t15"."as_of",
      "t15"."at",
      "t15"."customer_id",
      "t15"."activity_collector_id",
      "t15"."channel",
      "t15"."direction",
      "t15"."outcome",
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
        "t14"."customer_id",
        "t14"."activity_collector_id",
        "t14"."channel",
        "t14"."direction",
        "t14"."outcome",
        "t14"."a_collector",
        "t14"."a_team",
        "t7"."tm_id",
        "t7"."tm_name"
      FROM (
        SELECT
          "t12".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t9"."as_of",
            "t9"."at",
            "t11"."customer_id",
            "t11"."collector_id" AS "activity_collector_id",
            "t11"."channel",
            "t11"."direction",
            "t11"."outcome",
            "t10"."a_customer",
            "t10"."a_from",
            "t10"."a_to",
            "t10"."a_collector",
            "t10"."a_team"
          FROM (
            SELECT
              "t1"."id",
              "t1"."customer_id",
              "t1"."channel",
              "t1"."direction",
              "t1"."outcome",
              "t1"."collector_id",
              "t1"."occurred_at",
              CAST("t1"."occurred_at" AS DATE) AS "on"
            FROM "ledger_activity" AS "t1"
          ) AS "t11"
          INNER JOIN (
            SELECT
              "t2"."as_of",
              "t2"."as_of" AS "at",
              "t2"."period_from"
            FROM "_points" AS "t2"
          ) AS "t9"
            ON "t11"."on" >= "t9"."period_from" AND "t11"."on" <= "t9"."as_of"
          LEFT OUTER JOIN (
            SELECT
              "t3"."customer_id" AS "a_customer",
              "t3"."valid_from" AS "a_from",
              "t3"."valid_to" AS "a_to",
              "t3"."collector_id" AS "a_collector",
              "t3"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t3"
          ) AS "t10"
            ON "t11"."customer_id" = "t10"."a_customer"
            AND "t10"."a_from" <= "t9"."at"
            AND (
              (
                "t10"."a_to" IS NULL
              ) OR (
                "t10"."a_to" > "t9"."at"
              )
            )
        ) AS "t12"
      ) AS "t14"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t7"
        ON "t14"."a_team" = "t7"."tm_id"
    ) AS "t15"
  ) AS "t16"
) AS "t17"
GROUP BY
  1,
  2

