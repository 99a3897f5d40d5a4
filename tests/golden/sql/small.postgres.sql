SELECT
  "row",
  CASE
    WHEN "b_M1_s_applies"
    THEN 'eligible'
    WHEN NOT "b_M1_s_applies"
    THEN 'not_eligible'
    ELSE 'undetermined'
  END AS "M1_status",
  CAST(NULL AS DECIMAL(38, 10)) AS "M1_total",
  CASE
    WHEN COALESCE("b_M1_s_unknowns__m", 0) = 0
    THEN CAST(ARRAY[] AS TEXT[])
    ELSE CASE (
        (
          COALESCE("b_M1_s_unknowns__m", 0) >> 0
        ) & 1
      ) | (
        (
          (
            COALESCE("b_M1_s_unknowns__m", 0) >> 1
          ) & 1
        ) << 1
      )
      WHEN 0
      THEN CAST(ARRAY[] AS TEXT[])
      WHEN 1
      THEN ARRAY['rd_expense']
      WHEN 2
      THEN ARRAY['revenue']
      WHEN 3
      THEN ARRAY['rd_expense', 'revenue']
    END
  END AS "M1_unknowns",
  CASE
    WHEN "b_M2_g_applies"
    THEN 'eligible'
    WHEN NOT "b_M2_g_applies"
    THEN 'not_eligible'
    ELSE 'undetermined'
  END AS "M2_status",
  CASE
    WHEN "b_M2_g_blocked"
    THEN CAST(NULL AS DECIMAL(38, 10))
    ELSE CAST("b_M2_g_amount" AS DECIMAL(38, 10))
  END AS "M2_total",
  CASE
    WHEN COALESCE(CARDINALITY("b_M2_g_unknowns__l"), 0) = 0
    THEN CASE
      WHEN COALESCE("b_M2_g_unknowns__m", 0) = 0
      THEN CAST(ARRAY[] AS TEXT[])
      ELSE ARRAY_CAT(
        CASE (
            (
              (
                (
                  (
                    (
                      COALESCE("b_M2_g_unknowns__m", 0) >> 11
                    ) & 1
                  ) | (
                    (
                      (
                        COALESCE("b_M2_g_unknowns__m", 0) >> 2
                      ) & 1
                    ) << 1
                  )
                ) | (
                  (
                    (
                      COALESCE("b_M2_g_unknowns__m", 0) >> 3
                    ) & 1
                  ) << 2
                )
              ) | (
                (
                  (
                    COALESCE("b_M2_g_unknowns__m", 0) >> 4
                  ) & 1
                ) << 3
              )
            ) | (
              (
                (
                  COALESCE("b_M2_g_unknowns__m", 0) >> 5
                ) & 1
              ) << 4
            )
          ) | (
            (
              (
                COALESCE("b_M2_g_unknowns__m", 0) >> 6
              ) & 1
            ) << 5
          )
          WHEN 0
          THEN CAST(ARRAY[] AS TEXT[])
          WHEN 1
          THEN ARRAY['level']
          WHEN 2
          THEN ARRAY['projects']
          WHEN 3
          THEN ARRAY['level', 'projects']
          WHEN 4
          THEN ARRAY['projects[0].investment']
          WHEN 5
          THEN ARRAY['level', 'projects[0].investment']
          WHEN 6
          THEN ARRAY['projects', 'projects[0].investment']
          WHEN 7
          THEN ARRAY['level', 'projects', 'projects[0].investment']
          WHEN 8
          THEN ARRAY['projects[1].investment']
          WHEN 9
          THEN ARRAY['level', 'projects[1].investment']
          WHEN 10
          THEN ARRAY['projects', 'projects[1].investment']
          WHEN 11
          THEN ARRAY['level', 'projects', 'projects[1].investment']
          WHEN 12
          THEN ARRAY['projects[0].investment', 'projects[1].investment']
          WHEN 13
          THEN ARRAY['level', 'projects[0].investment', 'projects[1].investment']
          WHEN 14
          THEN ARRAY['projects', 'projects[0].investment', 'projects[1].investment']
          WHEN 15
          THEN ARRAY['level', 'projects', 'projects[0].investment', 'projects[1].investment']
          WHEN 16
          THEN ARRAY['projects[2].investment']
          WHEN 17
          THEN ARRAY['level', 'projects[2].investment']
          WHEN 18
          THEN ARRAY['projects', 'projects[2].investment']
          WHEN 19
          THEN ARRAY['level', 'projects', 'projects[2].investment']
          WHEN 20
          THEN ARRAY['projects[0].investment', 'projects[2].investment']
          WHEN 21
          THEN ARRAY['level', 'projects[0].investment', 'projects[2].investment']
          WHEN 22
          THEN ARRAY['projects', 'projects[0].investment', 'projects[2].investment']
          WHEN 23
          THEN ARRAY['level', 'projects', 'projects[0].investment', 'projects[2].investment']
          WHEN 24
          THEN ARRAY['projects[1].investment', 'projects[2].investment']
          WHEN 25
          THEN ARRAY['level', 'projects[1].investment', 'projects[2].investment']
          WHEN 26
          THEN ARRAY['projects', 'projects[1].investment', 'projects[2].investment']
          WHEN 27
          THEN ARRAY['level', 'projects', 'projects[1].investment', 'projects[2].investment']
          WHEN 28
          THEN ARRAY['projects[0].investment', 'projects[1].investment', 'projects[2].investment']
          WHEN 29
          THEN ARRAY[
            'level',
            'projects[0].investment',
            'projects[1].investment',
            'projects[2].investment'
          ]
          WHEN 30
          THEN ARRAY[
            'projects',
            'projects[0].investment',
            'projects[1].investment',
            'projects[2].investment'
          ]
          WHEN 31
          THEN ARRAY[
            'level',
            'projects',
            'projects[0].investment',
            'projects[1].investment',
            'projects[2].investment'
          ]
          WHEN 32
          THEN ARRAY['projects[3].investment']
          WHEN 33
          THEN ARRAY['level', 'projects[3].investment']
          WHEN 34
          THEN ARRAY['projects', 'projects[3].investment']
          WHEN 35
          THEN ARRAY['level', 'projects', 'projects[3].investment']
          WHEN 36
          THEN ARRAY['projects[0].investment', 'projects[3].investment']
          WHEN 37
          THEN ARRAY['level', 'projects[0].investment', 'projects[3].investment']
          WHEN 38
          THEN ARRAY['projects', 'projects[0].investment', 'projects[3].investment']
          WHEN 39
          THEN ARRAY['level', 'projects', 'projects[0].investment', 'projects[3].investment']
          WHEN 40
          THEN ARRAY['projects[1].investment', 'projects[3].investment']
          WHEN 41
          THEN ARRAY['level', 'projects[1].investment', 'projects[3].investment']
          WHEN 42
          THEN ARRAY['projects', 'projects[1].investment', 'projects[3].investment']
          WHEN 43
          THEN ARRAY['level', 'projects', 'projects[1].investment', 'projects[3].investment']
          WHEN 44
          THEN ARRAY['projects[0].investment', 'projects[1].investment', 'projects[3].investment']
          WHEN 45
          THEN ARRAY[
            'level',
            'projects[0].investment',
            'projects[1].investment',
            'projects[3].investment'
          ]
          WHEN 46
          THEN ARRAY[
            'projects',
            'projects[0].investment',
            'projects[1].investment',
            'projects[3].investment'
          ]
          WHEN 47
          THEN ARRAY[
            'level',
            'projects',
            'projects[0].investment',
            'projects[1].investment',
            'projects[3].investment'
          ]
          WHEN 48
          THEN ARRAY['projects[2].investment', 'projects[3].investment']
          WHEN 49
          THEN ARRAY['level', 'projects[2].investment', 'projects[3].investment']
          WHEN 50
          THEN ARRAY['projects', 'projects[2].investment', 'projects[3].investment']
          WHEN 51
          THEN ARRAY['level', 'projects', 'projects[2].investment', 'projects[3].investment']
          WHEN 52
          THEN ARRAY['projects[0].investment', 'projects[2].investment', 'projects[3].investment']
          WHEN 53
          THEN ARRAY[
            'level',
            'projects[0].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 54
          THEN ARRAY[
            'projects',
            'projects[0].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 55
          THEN ARRAY[
            'level',
            'projects',
            'projects[0].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 56
          THEN ARRAY['projects[1].investment', 'projects[2].investment', 'projects[3].investment']
          WHEN 57
          THEN ARRAY[
            'level',
            'projects[1].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 58
          THEN ARRAY[
            'projects',
            'projects[1].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 59
          THEN ARRAY[
            'level',
            'projects',
            'projects[1].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 60
          THEN ARRAY[
            'projects[0].investment',
            'projects[1].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 61
          THEN ARRAY[
            'level',
            'projects[0].investment',
            'projects[1].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 62
          THEN ARRAY[
            'projects',
            'projects[0].investment',
            'projects[1].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
          WHEN 63
          THEN ARRAY[
            'level',
            'projects',
            'projects[0].investment',
            'projects[1].investment',
            'projects[2].investment',
            'projects[3].investment'
          ]
        END,
        CASE (
            (
              (
                (
                  COALESCE("b_M2_g_unknowns__m", 0) >> 7
                ) & 1
              ) | (
                (
                  (
                    COALESCE("b_M2_g_unknowns__m", 0) >> 8
                  ) & 1
                ) << 1
              )
            ) | (
              (
                (
                  COALESCE("b_M2_g_unknowns__m", 0) >> 9
                ) & 1
              ) << 2
            )
          ) | (
            (
              (
                COALESCE("b_M2_g_unknowns__m", 0) >> 10
              ) & 1
            ) << 3
          )
          WHEN 0
          THEN CAST(ARRAY[] AS TEXT[])
          WHEN 1
          THEN ARRAY['projects[4].investment']
          WHEN 2
          THEN ARRAY['projects[5].investment']
          WHEN 3
          THEN ARRAY['projects[4].investment', 'projects[5].investment']
          WHEN 4
          THEN ARRAY['projects[6].investment']
          WHEN 5
          THEN ARRAY['projects[4].investment', 'projects[6].investment']
          WHEN 6
          THEN ARRAY['projects[5].investment', 'projects[6].investment']
          WHEN 7
          THEN ARRAY['projects[4].investment', 'projects[5].investment', 'projects[6].investment']
          WHEN 8
          THEN ARRAY['projects[7].investment']
          WHEN 9
          THEN ARRAY['projects[4].investment', 'projects[7].investment']
          WHEN 10
          THEN ARRAY['projects[5].investment', 'projects[7].investment']
          WHEN 11
          THEN ARRAY['projects[4].investment', 'projects[5].investment', 'projects[7].investment']
          WHEN 12
          THEN ARRAY['projects[6].investment', 'projects[7].investment']
          WHEN 13
          THEN ARRAY['projects[4].investment', 'projects[6].investment', 'projects[7].investment']
          WHEN 14
          THEN ARRAY['projects[5].investment', 'projects[6].investment', 'projects[7].investment']
          WHEN 15
          THEN ARRAY[
            'projects[4].investment',
            'projects[5].investment',
            'projects[6].investment',
            'projects[7].investment'
          ]
        END
      )
    END
    ELSE ARRAY(SELECT DISTINCT
      p11
    FROM UNNEST(ARRAY_CAT(
      CASE
        WHEN COALESCE("b_M2_g_unknowns__m", 0) = 0
        THEN CAST(ARRAY[] AS TEXT[])
        ELSE ARRAY_CAT(
          CASE (
              (
                (
                  (
                    (
                      (
                        COALESCE("b_M2_g_unknowns__m", 0) >> 11
                      ) & 1
                    ) | (
                      (
                        (
                          COALESCE("b_M2_g_unknowns__m", 0) >> 2
                        ) & 1
                      ) << 1
                    )
                  ) | (
                    (
                      (
                        COALESCE("b_M2_g_unknowns__m", 0) >> 3
                      ) & 1
                    ) << 2
                  )
                ) | (
                  (
                    (
                      COALESCE("b_M2_g_unknowns__m", 0) >> 4
                    ) & 1
                  ) << 3
                )
              ) | (
                (
                  (
                    COALESCE("b_M2_g_unknowns__m", 0) >> 5
                  ) & 1
                ) << 4
              )
            ) | (
              (
                (
                  COALESCE("b_M2_g_unknowns__m", 0) >> 6
                ) & 1
              ) << 5
            )
            WHEN 0
            THEN CAST(ARRAY[] AS TEXT[])
            WHEN 1
            THEN ARRAY['level']
            WHEN 2
            THEN ARRAY['projects']
            WHEN 3
            THEN ARRAY['level', 'projects']
            WHEN 4
            THEN ARRAY['projects[0].investment']
            WHEN 5
            THEN ARRAY['level', 'projects[0].investment']
            WHEN 6
            THEN ARRAY['projects', 'projects[0].investment']
            WHEN 7
            THEN ARRAY['level', 'projects', 'projects[0].investment']
            WHEN 8
            THEN ARRAY['projects[1].investment']
            WHEN 9
            THEN ARRAY['level', 'projects[1].investment']
            WHEN 10
            THEN ARRAY['projects', 'projects[1].investment']
            WHEN 11
            THEN ARRAY['level', 'projects', 'projects[1].investment']
            WHEN 12
            THEN ARRAY['projects[0].investment', 'projects[1].investment']
            WHEN 13
            THEN ARRAY['level', 'projects[0].investment', 'projects[1].investment']
            WHEN 14
            THEN ARRAY['projects', 'projects[0].investment', 'projects[1].investment']
            WHEN 15
            THEN ARRAY['level', 'projects', 'projects[0].investment', 'projects[1].investment']
            WHEN 16
            THEN ARRAY['projects[2].investment']
            WHEN 17
            THEN ARRAY['level', 'projects[2].investment']
            WHEN 18
            THEN ARRAY['projects', 'projects[2].investment']
            WHEN 19
            THEN ARRAY['level', 'projects', 'projects[2].investment']
            WHEN 20
            THEN ARRAY['projects[0].investment', 'projects[2].investment']
            WHEN 21
            THEN ARRAY['level', 'projects[0].investment', 'projects[2].investment']
            WHEN 22
            THEN ARRAY['projects', 'projects[0].investment', 'projects[2].investment']
            WHEN 23
            THEN ARRAY['level', 'projects', 'projects[0].investment', 'projects[2].investment']
            WHEN 24
            THEN ARRAY['projects[1].investment', 'projects[2].investment']
            WHEN 25
            THEN ARRAY['level', 'projects[1].investment', 'projects[2].investment']
            WHEN 26
            THEN ARRAY['projects', 'projects[1].investment', 'projects[2].investment']
            WHEN 27
            THEN ARRAY['level', 'projects', 'projects[1].investment', 'projects[2].investment']
            WHEN 28
            THEN ARRAY['projects[0].investment', 'projects[1].investment', 'projects[2].investment']
            WHEN 29
            THEN ARRAY[
              'level',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment'
            ]
            WHEN 30
            THEN ARRAY[
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment'
            ]
            WHEN 31
            THEN ARRAY[
              'level',
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment'
            ]
            WHEN 32
            THEN ARRAY['projects[3].investment']
            WHEN 33
            THEN ARRAY['level', 'projects[3].investment']
            WHEN 34
            THEN ARRAY['projects', 'projects[3].investment']
            WHEN 35
            THEN ARRAY['level', 'projects', 'projects[3].investment']
            WHEN 36
            THEN ARRAY['projects[0].investment', 'projects[3].investment']
            WHEN 37
            THEN ARRAY['level', 'projects[0].investment', 'projects[3].investment']
            WHEN 38
            THEN ARRAY['projects', 'projects[0].investment', 'projects[3].investment']
            WHEN 39
            THEN ARRAY['level', 'projects', 'projects[0].investment', 'projects[3].investment']
            WHEN 40
            THEN ARRAY['projects[1].investment', 'projects[3].investment']
            WHEN 41
            THEN ARRAY['level', 'projects[1].investment', 'projects[3].investment']
            WHEN 42
            THEN ARRAY['projects', 'projects[1].investment', 'projects[3].investment']
            WHEN 43
            THEN ARRAY['level', 'projects', 'projects[1].investment', 'projects[3].investment']
            WHEN 44
            THEN ARRAY['projects[0].investment', 'projects[1].investment', 'projects[3].investment']
            WHEN 45
            THEN ARRAY[
              'level',
              'projects[0].investment',
              'projects[1].investment',
              'projects[3].investment'
            ]
            WHEN 46
            THEN ARRAY[
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[3].investment'
            ]
            WHEN 47
            THEN ARRAY[
              'level',
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[3].investment'
            ]
            WHEN 48
            THEN ARRAY['projects[2].investment', 'projects[3].investment']
            WHEN 49
            THEN ARRAY['level', 'projects[2].investment', 'projects[3].investment']
            WHEN 50
            THEN ARRAY['projects', 'projects[2].investment', 'projects[3].investment']
            WHEN 51
            THEN ARRAY['level', 'projects', 'projects[2].investment', 'projects[3].investment']
            WHEN 52
            THEN ARRAY['projects[0].investment', 'projects[2].investment', 'projects[3].investment']
            WHEN 53
            THEN ARRAY[
              'level',
              'projects[0].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 54
            THEN ARRAY[
              'projects',
              'projects[0].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 55
            THEN ARRAY[
              'level',
              'projects',
              'projects[0].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 56
            THEN ARRAY['projects[1].investment', 'projects[2].investment', 'projects[3].investment']
            WHEN 57
            THEN ARRAY[
              'level',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 58
            THEN ARRAY[
              'projects',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 59
            THEN ARRAY[
              'level',
              'projects',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 60
            THEN ARRAY[
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 61
            THEN ARRAY[
              'level',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 62
            THEN ARRAY[
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
            WHEN 63
            THEN ARRAY[
              'level',
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
          END,
          CASE (
              (
                (
                  (
                    COALESCE("b_M2_g_unknowns__m", 0) >> 7
                  ) & 1
                ) | (
                  (
                    (
                      COALESCE("b_M2_g_unknowns__m", 0) >> 8
                    ) & 1
                  ) << 1
                )
              ) | (
                (
                  (
                    COALESCE("b_M2_g_unknowns__m", 0) >> 9
                  ) & 1
                ) << 2
              )
            ) | (
              (
                (
                  COALESCE("b_M2_g_unknowns__m", 0) >> 10
                ) & 1
              ) << 3
            )
            WHEN 0
            THEN CAST(ARRAY[] AS TEXT[])
            WHEN 1
            THEN ARRAY['projects[4].investment']
            WHEN 2
            THEN ARRAY['projects[5].investment']
            WHEN 3
            THEN ARRAY['projects[4].investment', 'projects[5].investment']
            WHEN 4
            THEN ARRAY['projects[6].investment']
            WHEN 5
            THEN ARRAY['projects[4].investment', 'projects[6].investment']
            WHEN 6
            THEN ARRAY['projects[5].investment', 'projects[6].investment']
            WHEN 7
            THEN ARRAY['projects[4].investment', 'projects[5].investment', 'projects[6].investment']
            WHEN 8
            THEN ARRAY['projects[7].investment']
            WHEN 9
            THEN ARRAY['projects[4].investment', 'projects[7].investment']
            WHEN 10
            THEN ARRAY['projects[5].investment', 'projects[7].investment']
            WHEN 11
            THEN ARRAY['projects[4].investment', 'projects[5].investment', 'projects[7].investment']
            WHEN 12
            THEN ARRAY['projects[6].investment', 'projects[7].investment']
            WHEN 13
            THEN ARRAY['projects[4].investment', 'projects[6].investment', 'projects[7].investment']
            WHEN 14
            THEN ARRAY['projects[5].investment', 'projects[6].investment', 'projects[7].investment']
            WHEN 15
            THEN ARRAY[
              'projects[4].investment',
              'projects[5].investment',
              'projects[6].investment',
              'projects[7].investment'
            ]
          END
        )
      END,
      "b_M2_g_unknowns__l"
    )) AS p11("p11")
    ORDER BY
      p11)
  END AS "M2_unknowns"
FROM (
  SELECT
    *,
    CASE
      WHEN "projects" IS NULL
      THEN CASE WHEN NOT CAST(NULL AS BOOLEAN) THEN FALSE ELSE CAST(NULL AS BOOLEAN) END
      ELSE CASE
        WHEN (
          "b_M2_g_flags" & 2
        ) <> 0
        THEN TRUE
        WHEN (
          "b_M2_g_flags" & 1
        ) <> 0
        THEN CAST(NULL AS BOOLEAN)
        ELSE FALSE
      END
    END AS "b_M2_g_applies",
    CASE
      WHEN "projects" IS NULL
      THEN CASE WHEN NOT CAST(NULL AS BOOLEAN) THEN CAST(NULL AS BIGINT) ELSE 4 END
      ELSE CASE
        WHEN (
          "b_M2_g_flags" & 5
        ) <> 0
        THEN (
          SELECT
            BIT_OR(
              CASE
                WHEN (
                  "t7"."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                ) IS NULL
                THEN CASE
                  WHEN (
                    t7.i8 - 1
                  ) < 8
                  THEN CAST(1 AS BIGINT) << CAST((
                    t7.i8 - 1
                  ) + 3 AS INT)
                END
                WHEN (
                  "t7"."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                )
                AND (
                  CASE
                    WHEN CAST(CAST("t7"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
                    THEN CAST(NULL AS DECIMAL(19, 7))
                    ELSE LEAST(
                      CAST(CAST("t7"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)),
                      CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                    )
                  END IS NULL
                )
                THEN COALESCE(
                  CASE
                    WHEN "t7"."investment" IS NULL
                    THEN CASE
                      WHEN (
                        t7.i8 - 1
                      ) < 8
                      THEN CAST(1 AS BIGINT) << CAST((
                        t7.i8 - 1
                      ) + 3 AS INT)
                    END
                  END,
                  0
                ) | COALESCE("param_ratio__m", 0)
              END
            )
          FROM UNNEST("projects") WITH ORDINALITY AS t7("investment", i8)
        )
      END
    END AS "b_M2_g_unknowns__m",
    CASE
      WHEN "projects" IS NULL
      THEN CAST(NULL AS TEXT[])
      ELSE CASE
        WHEN (
          "b_M2_g_flags" & 5
        ) <> 0
        THEN ARRAY(SELECT
          UNNEST(
            CASE
              WHEN (
                "t9"."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
              ) IS NULL
              THEN CASE
                WHEN (
                  t9.i10 - 1
                ) < 8
                THEN CAST(NULL AS TEXT[])
                ELSE ARRAY['projects[' || CAST(t9.i10 - 1 AS TEXT) || '].investment']
              END
              WHEN (
                "t9"."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
              )
              AND (
                CASE
                  WHEN CAST(CAST("t9"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
                  THEN CAST(NULL AS DECIMAL(19, 7))
                  ELSE LEAST(
                    CAST(CAST("t9"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)),
                    CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                  )
                END IS NULL
              )
              THEN CASE
                WHEN "t9"."investment" IS NULL
                THEN CASE
                  WHEN (
                    t9.i10 - 1
                  ) < 8
                  THEN CAST(NULL AS TEXT[])
                  ELSE ARRAY['projects[' || CAST(t9.i10 - 1 AS TEXT) || '].investment']
                END
              END
            END
          )
        FROM UNNEST("projects") WITH ORDINALITY AS t9("investment", i10))
      END
    END AS "b_M2_g_unknowns__l",
    CASE
      WHEN "projects" IS NULL
      THEN NULL
      ELSE CASE
        WHEN (
          "b_M2_g_flags" & 2
        ) <> 0
        THEN (
          SELECT
            SUM(
              CASE
                WHEN "t3"."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                THEN CASE
                  WHEN CAST(CAST("t3"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
                  THEN CAST(NULL AS DECIMAL(19, 7))
                  ELSE LEAST(
                    CAST(CAST("t3"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)),
                    CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                  )
                END
              END
            )
          FROM UNNEST("projects") WITH ORDINALITY AS t3("investment", i4)
        )
      END
    END AS "b_M2_g_amount",
    CASE
      WHEN "projects" IS NULL
      THEN FALSE
      ELSE CASE
        WHEN (
          "b_M2_g_flags" & 4
        ) <> 0
        THEN (
          SELECT
            COALESCE(
              BOOL_OR(
                CASE
                  WHEN "t5"."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                  THEN CAST(CAST("t5"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
                  ELSE FALSE
                END
              ),
              FALSE
            )
          FROM UNNEST("projects") WITH ORDINALITY AS t5("investment", i6)
        )
        ELSE FALSE
      END
    END AS "b_M2_g_blocked"
  FROM (
    SELECT
      *,
      COALESCE(
        (
          SELECT
            BIT_OR(
              COALESCE(
                CAST("t1"."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6)) AS INT) * (
                  2 + (
                    CAST(CASE
                      WHEN CAST(CAST("t1"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
                      THEN CAST(NULL AS DECIMAL(19, 7))
                      ELSE LEAST(
                        CAST(CAST("t1"."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)),
                        CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                      )
                    END IS NULL AS INT) * 4
                  )
                ),
                1
              )
            )
          FROM UNNEST("projects") WITH ORDINALITY AS t1("investment", i2)
        ),
        0
      ) AS "b_M2_g_flags"
    FROM (
      SELECT
        *,
        CASE
          WHEN "revenue" = 0
          THEN NULL
          WHEN "revenue" > 0
          THEN CAST("rd_expense" AS DECIMAL(20, 8)) >= CAST(CAST(CAST(0.03 AS DECIMAL(2, 2)) AS DECIMAL(38, 2)) * "revenue" AS DECIMAL(20, 8))
          ELSE CAST("rd_expense" AS DECIMAL(20, 8)) <= CAST(CAST(CAST(0.03 AS DECIMAL(2, 2)) AS DECIMAL(38, 2)) * "revenue" AS DECIMAL(20, 8))
        END AS "b_M1_s_applies",
        CASE
          WHEN CASE
            WHEN "revenue" = 0
            THEN NULL
            WHEN "revenue" > 0
            THEN CAST("rd_expense" AS DECIMAL(20, 8)) >= CAST(CAST(CAST(0.03 AS DECIMAL(2, 2)) AS DECIMAL(38, 2)) * "revenue" AS DECIMAL(20, 8))
            ELSE CAST("rd_expense" AS DECIMAL(20, 8)) <= CAST(CAST(CAST(0.03 AS DECIMAL(2, 2)) AS DECIMAL(38, 2)) * "revenue" AS DECIMAL(20, 8))
          END IS NULL
          THEN CASE
            WHEN (
              "rd_expense" IS NULL
            ) OR (
              "revenue" IS NULL
            )
            THEN COALESCE(CASE WHEN "rd_expense" IS NULL THEN 1 END, 0) | COALESCE(CASE WHEN "revenue" IS NULL THEN 2 END, 0)
            ELSE 2
          END
        END AS "b_M1_s_unknowns__m",
        CASE
          WHEN "level" IN ('provincial', 'little_giant')
          THEN CAST(0.4 AS DECIMAL(1, 1))
          WHEN (
            (
              "level" IN ('provincial', 'little_giant')
            ) IS NULL
          )
          AND (
            NOT (
              CAST(0.4 AS DECIMAL(1, 1)) = CAST(0.3 AS DECIMAL(1, 1))
            )
          )
          THEN CAST(NULL AS DECIMAL(1, 1))
          ELSE CAST(0.3 AS DECIMAL(1, 1))
        END AS "param_ratio",
        CASE
          WHEN CASE
            WHEN "level" IN ('provincial', 'little_giant')
            THEN CAST(0.4 AS DECIMAL(1, 1))
            WHEN (
              (
                "level" IN ('provincial', 'little_giant')
              ) IS NULL
            )
            AND (
              NOT (
                CAST(0.4 AS DECIMAL(1, 1)) = CAST(0.3 AS DECIMAL(1, 1))
              )
            )
            THEN CAST(NULL AS DECIMAL(1, 1))
            ELSE CAST(0.3 AS DECIMAL(1, 1))
          END IS NULL
          THEN CASE
            WHEN "level" IN ('provincial', 'little_giant')
            THEN CAST(NULL AS BIGINT)
            WHEN (
              (
                "level" IN ('provincial', 'little_giant')
              ) IS NULL
            )
            AND (
              NOT (
                CAST(0.4 AS DECIMAL(1, 1)) = CAST(0.3 AS DECIMAL(1, 1))
              )
            )
            THEN CASE WHEN (
              "level" IN ('provincial', 'little_giant')
            ) IS NULL THEN 2048 END
          END
        END AS "param_ratio__m"
      FROM profiles
    ) AS l1
  ) AS l2
) AS l3
