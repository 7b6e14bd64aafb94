-- ===== first_call_resolution_rate defaults grouped by nothing =====
-- resolution: first, resolved
SELECT
  "t7"."as_of",
  COUNT("t7"."as_of") FILTER(WHERE
    (
      "t7"."resolved" = 1
    ) AND (
      "t7"."contacts" = 1
    )) AS "first",
  COUNT("t7"."as_of") FILTER(WHERE
    "t7"."resolved" = 1) AS "resolved"
FROM (
  SELECT
    "t6"."as_of",
    "t6"."at",
    "t6"."customer_id",
    SUM(
      CASE
        WHEN "t6"."outcome" IN ('right_party_contact', 'promise', 'refusal', 'dispute', 'payment')
        THEN 1
        ELSE 0
      END
    ) AS "contacts",
    MAX(CASE WHEN "t6"."outcome" IN ('promise', 'payment') THEN 1 ELSE 0 END) AS "resolved"
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
        DATE("t0"."occurred_at") AS "on"
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
    1,
    2,
    3
) AS "t7"
GROUP BY
  1

-- ===== first_call_resolution_rate defaults grouped by team =====
-- resolution: first, resolved
SELECT
  "t20"."as_of",
  "t20"."team",
  COUNT("t20"."as_of") FILTER(WHERE
    (
      "t20"."resolved" = 1
    ) AND (
      "t20"."contacts" = 1
    )) AS "first",
  COUNT("t20"."as_of") FILTER(WHERE
    "t20"."resolved" = 1) AS "resolved"
FROM (
  SELECT
    "t19"."as_of",
    "t19"."at",
    "t19"."customer_id",
    "t19"."contacts",
    "t19"."resolved",
    "t19"."a_collector",
    "t19"."a_team",
    "t19"."team"
  FROM (
    SELECT
      "t18"."as_of",
      "t18"."at",
      "t18"."customer_id",
      "t18"."contacts",
      "t18"."resolved",
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
        "t17"."customer_id",
        "t17"."contacts",
        "t17"."resolved",
        "t17"."a_collector",
        "t17"."a_team",
        "t7"."tm_id",
        "t7"."tm_name"
      FROM (
        SELECT
          "t15"."as_of",
          "t15"."at",
          "t15"."customer_id",
          "t15"."contacts",
          "t15"."resolved",
          "t15"."a_collector",
          "t15"."a_team"
        FROM (
          SELECT
            "t14"."as_of",
            "t14"."at",
            "t14"."customer_id",
            "t14"."contacts",
            "t14"."resolved",
            "t8"."a_customer",
            "t8"."a_from",
            "t8"."a_to",
            "t8"."a_collector",
            "t8"."a_team"
          FROM (
            SELECT
              "t12"."as_of",
              "t12"."at",
              "t12"."customer_id",
              SUM(
                CASE
                  WHEN "t12"."outcome" IN ('right_party_contact', 'promise', 'refusal', 'dispute', 'payment')
                  THEN 1
                  ELSE 0
                END
              ) AS "contacts",
              MAX(CASE WHEN "t12"."outcome" IN ('promise', 'payment') THEN 1 ELSE 0 END) AS "resolved"
            FROM (
              SELECT
                "t10"."as_of",
                "t10"."at",
                "t11"."customer_id",
                "t11"."collector_id" AS "activity_collector_id",
                "t11"."channel",
                "t11"."direction",
                "t11"."outcome"
              FROM (
                SELECT
                  "t2"."id",
                  "t2"."customer_id",
                  "t2"."channel",
                  "t2"."direction",
                  "t2"."outcome",
                  "t2"."collector_id",
                  "t2"."occurred_at",
                  DATE("t2"."occurred_at") AS "on"
                FROM "ledger_activity" AS "t2"
              ) AS "t11"
              INNER JOIN (
                SELECT
                  "t3"."as_of",
                  "t3"."as_of" AS "at",
                  "t3"."period_from"
                FROM "_points" AS "t3"
              ) AS "t10"
                ON "t11"."on" >= "t10"."period_from" AND "t11"."on" <= "t10"."as_of"
            ) AS "t12"
            GROUP BY
              1,
              2,
              3
          ) AS "t14"
          LEFT OUTER JOIN (
            SELECT
              "t1"."customer_id" AS "a_customer",
              "t1"."valid_from" AS "a_from",
              "t1"."valid_to" AS "a_to",
              "t1"."collector_id" AS "a_collector",
              "t1"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t1"
          ) AS "t8"
            ON "t14"."customer_id" = "t8"."a_customer"
            AND "t8"."a_from" <= "t14"."at"
            AND (
              (
                "t8"."a_to" IS NULL
              ) OR (
                "t8"."a_to" > "t14"."at"
              )
            )
        ) AS "t15"
      ) AS "t17"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t7"
        ON "t17"."a_team" = "t7"."tm_id"
    ) AS "t18"
  ) AS "t19"
) AS "t20"
GROUP BY
  1,
  2

