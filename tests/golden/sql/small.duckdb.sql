SELECT
  "row",
  CASE
    WHEN "b_M1_s_applies"
    THEN CAST('eligible' AS ENUM('eligible', 'not_eligible', 'undetermined', 'not_in_force', 'not_applicable'))
    WHEN NOT "b_M1_s_applies"
    THEN CAST('not_eligible' AS ENUM('eligible', 'not_eligible', 'undetermined', 'not_in_force', 'not_applicable'))
    ELSE CAST('undetermined' AS ENUM('eligible', 'not_eligible', 'undetermined', 'not_in_force', 'not_applicable'))
  END AS "M1_status",
  CAST(NULL AS DECIMAL(38, 10)) AS "M1_total",
  CASE
    WHEN COALESCE("b_M1_s_unknowns__m", 0) = 0
    THEN CAST([] AS ENUM('rd_expense', 'revenue')[])
    ELSE LIST_EXTRACT(
      CAST([[], ['rd_expense'], ['revenue'], ['rd_expense', 'revenue']] AS ENUM('rd_expense', 'revenue')[][]),
      (
        (
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
      ) + 1
    )
  END AS "M1_unknowns",
  CASE
    WHEN "b_M2_g_applies"
    THEN CAST('eligible' AS ENUM('eligible', 'not_eligible', 'undetermined', 'not_in_force', 'not_applicable'))
    WHEN NOT "b_M2_g_applies"
    THEN CAST('not_eligible' AS ENUM('eligible', 'not_eligible', 'undetermined', 'not_in_force', 'not_applicable'))
    ELSE CAST('undetermined' AS ENUM('eligible', 'not_eligible', 'undetermined', 'not_in_force', 'not_applicable'))
  END AS "M2_status",
  CASE
    WHEN "b_M2_g_blocked"
    THEN CAST(NULL AS DECIMAL(38, 10))
    ELSE CAST("b_M2_g_amount" AS DECIMAL(38, 10))
  END AS "M2_total",
  CASE
    WHEN COALESCE(LEN("b_M2_g_unknowns__l"), 0) = 0
    THEN CASE
      WHEN COALESCE("b_M2_g_unknowns__m", 0) = 0
      THEN CAST([] AS TEXT[])
      ELSE LIST_CONCAT(
        LIST_EXTRACT(
          CAST([
            [],
            ['level'],
            ['projects'],
            ['level', 'projects'],
            ['projects[0].investment'],
            ['level', 'projects[0].investment'],
            ['projects', 'projects[0].investment'],
            ['level', 'projects', 'projects[0].investment'],
            ['projects[1].investment'],
            ['level', 'projects[1].investment'],
            ['projects', 'projects[1].investment'],
            ['level', 'projects', 'projects[1].investment'],
            ['projects[0].investment', 'projects[1].investment'],
            ['level', 'projects[0].investment', 'projects[1].investment'],
            ['projects', 'projects[0].investment', 'projects[1].investment'],
            ['level', 'projects', 'projects[0].investment', 'projects[1].investment'],
            ['projects[2].investment'],
            ['level', 'projects[2].investment'],
            ['projects', 'projects[2].investment'],
            ['level', 'projects', 'projects[2].investment'],
            ['projects[0].investment', 'projects[2].investment'],
            ['level', 'projects[0].investment', 'projects[2].investment'],
            ['projects', 'projects[0].investment', 'projects[2].investment'],
            ['level', 'projects', 'projects[0].investment', 'projects[2].investment'],
            ['projects[1].investment', 'projects[2].investment'],
            ['level', 'projects[1].investment', 'projects[2].investment'],
            ['projects', 'projects[1].investment', 'projects[2].investment'],
            ['level', 'projects', 'projects[1].investment', 'projects[2].investment'],
            ['projects[0].investment', 'projects[1].investment', 'projects[2].investment'],
            [
              'level',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment'
            ],
            [
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment'
            ],
            [
              'level',
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment'
            ],
            ['projects[3].investment'],
            ['level', 'projects[3].investment'],
            ['projects', 'projects[3].investment'],
            ['level', 'projects', 'projects[3].investment'],
            ['projects[0].investment', 'projects[3].investment'],
            ['level', 'projects[0].investment', 'projects[3].investment'],
            ['projects', 'projects[0].investment', 'projects[3].investment'],
            ['level', 'projects', 'projects[0].investment', 'projects[3].investment'],
            ['projects[1].investment', 'projects[3].investment'],
            ['level', 'projects[1].investment', 'projects[3].investment'],
            ['projects', 'projects[1].investment', 'projects[3].investment'],
            ['level', 'projects', 'projects[1].investment', 'projects[3].investment'],
            ['projects[0].investment', 'projects[1].investment', 'projects[3].investment'],
            [
              'level',
              'projects[0].investment',
              'projects[1].investment',
              'projects[3].investment'
            ],
            [
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[3].investment'
            ],
            [
              'level',
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[3].investment'
            ],
            ['projects[2].investment', 'projects[3].investment'],
            ['level', 'projects[2].investment', 'projects[3].investment'],
            ['projects', 'projects[2].investment', 'projects[3].investment'],
            ['level', 'projects', 'projects[2].investment', 'projects[3].investment'],
            ['projects[0].investment', 'projects[2].investment', 'projects[3].investment'],
            [
              'level',
              'projects[0].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            [
              'projects',
              'projects[0].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            [
              'level',
              'projects',
              'projects[0].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            ['projects[1].investment', 'projects[2].investment', 'projects[3].investment'],
            [
              'level',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            [
              'projects',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            [
              'level',
              'projects',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            [
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            [
              'level',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            [
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ],
            [
              'level',
              'projects',
              'projects[0].investment',
              'projects[1].investment',
              'projects[2].investment',
              'projects[3].investment'
            ]
          ] AS TEXT[][]),
          (
            (
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
          ) + 1
        ),
        LIST_EXTRACT(
          CAST([
            [],
            ['projects[4].investment'],
            ['projects[5].investment'],
            ['projects[4].investment', 'projects[5].investment'],
            ['projects[6].investment'],
            ['projects[4].investment', 'projects[6].investment'],
            ['projects[5].investment', 'projects[6].investment'],
            ['projects[4].investment', 'projects[5].investment', 'projects[6].investment'],
            ['projects[7].investment'],
            ['projects[4].investment', 'projects[7].investment'],
            ['projects[5].investment', 'projects[7].investment'],
            ['projects[4].investment', 'projects[5].investment', 'projects[7].investment'],
            ['projects[6].investment', 'projects[7].investment'],
            ['projects[4].investment', 'projects[6].investment', 'projects[7].investment'],
            ['projects[5].investment', 'projects[6].investment', 'projects[7].investment'],
            [
              'projects[4].investment',
              'projects[5].investment',
              'projects[6].investment',
              'projects[7].investment'
            ]
          ] AS TEXT[][]),
          (
            (
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
          ) + 1
        )
      )
    END
    ELSE LIST_SORT(
      LIST_DISTINCT(
        LIST_CONCAT(
          CASE
            WHEN COALESCE("b_M2_g_unknowns__m", 0) = 0
            THEN CAST([] AS TEXT[])
            ELSE LIST_CONCAT(
              LIST_EXTRACT(
                CAST([
                  [],
                  ['level'],
                  ['projects'],
                  ['level', 'projects'],
                  ['projects[0].investment'],
                  ['level', 'projects[0].investment'],
                  ['projects', 'projects[0].investment'],
                  ['level', 'projects', 'projects[0].investment'],
                  ['projects[1].investment'],
                  ['level', 'projects[1].investment'],
                  ['projects', 'projects[1].investment'],
                  ['level', 'projects', 'projects[1].investment'],
                  ['projects[0].investment', 'projects[1].investment'],
                  ['level', 'projects[0].investment', 'projects[1].investment'],
                  ['projects', 'projects[0].investment', 'projects[1].investment'],
                  ['level', 'projects', 'projects[0].investment', 'projects[1].investment'],
                  ['projects[2].investment'],
                  ['level', 'projects[2].investment'],
                  ['projects', 'projects[2].investment'],
                  ['level', 'projects', 'projects[2].investment'],
                  ['projects[0].investment', 'projects[2].investment'],
                  ['level', 'projects[0].investment', 'projects[2].investment'],
                  ['projects', 'projects[0].investment', 'projects[2].investment'],
                  ['level', 'projects', 'projects[0].investment', 'projects[2].investment'],
                  ['projects[1].investment', 'projects[2].investment'],
                  ['level', 'projects[1].investment', 'projects[2].investment'],
                  ['projects', 'projects[1].investment', 'projects[2].investment'],
                  ['level', 'projects', 'projects[1].investment', 'projects[2].investment'],
                  ['projects[0].investment', 'projects[1].investment', 'projects[2].investment'],
                  [
                    'level',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[2].investment'
                  ],
                  [
                    'projects',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[2].investment'
                  ],
                  [
                    'level',
                    'projects',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[2].investment'
                  ],
                  ['projects[3].investment'],
                  ['level', 'projects[3].investment'],
                  ['projects', 'projects[3].investment'],
                  ['level', 'projects', 'projects[3].investment'],
                  ['projects[0].investment', 'projects[3].investment'],
                  ['level', 'projects[0].investment', 'projects[3].investment'],
                  ['projects', 'projects[0].investment', 'projects[3].investment'],
                  ['level', 'projects', 'projects[0].investment', 'projects[3].investment'],
                  ['projects[1].investment', 'projects[3].investment'],
                  ['level', 'projects[1].investment', 'projects[3].investment'],
                  ['projects', 'projects[1].investment', 'projects[3].investment'],
                  ['level', 'projects', 'projects[1].investment', 'projects[3].investment'],
                  ['projects[0].investment', 'projects[1].investment', 'projects[3].investment'],
                  [
                    'level',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[3].investment'
                  ],
                  [
                    'projects',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[3].investment'
                  ],
                  [
                    'level',
                    'projects',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[3].investment'
                  ],
                  ['projects[2].investment', 'projects[3].investment'],
                  ['level', 'projects[2].investment', 'projects[3].investment'],
                  ['projects', 'projects[2].investment', 'projects[3].investment'],
                  ['level', 'projects', 'projects[2].investment', 'projects[3].investment'],
                  ['projects[0].investment', 'projects[2].investment', 'projects[3].investment'],
                  [
                    'level',
                    'projects[0].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  [
                    'projects',
                    'projects[0].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  [
                    'level',
                    'projects',
                    'projects[0].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  ['projects[1].investment', 'projects[2].investment', 'projects[3].investment'],
                  [
                    'level',
                    'projects[1].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  [
                    'projects',
                    'projects[1].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  [
                    'level',
                    'projects',
                    'projects[1].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  [
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  [
                    'level',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  [
                    'projects',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ],
                  [
                    'level',
                    'projects',
                    'projects[0].investment',
                    'projects[1].investment',
                    'projects[2].investment',
                    'projects[3].investment'
                  ]
                ] AS TEXT[][]),
                (
                  (
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
                ) + 1
              ),
              LIST_EXTRACT(
                CAST([
                  [],
                  ['projects[4].investment'],
                  ['projects[5].investment'],
                  ['projects[4].investment', 'projects[5].investment'],
                  ['projects[6].investment'],
                  ['projects[4].investment', 'projects[6].investment'],
                  ['projects[5].investment', 'projects[6].investment'],
                  ['projects[4].investment', 'projects[5].investment', 'projects[6].investment'],
                  ['projects[7].investment'],
                  ['projects[4].investment', 'projects[7].investment'],
                  ['projects[5].investment', 'projects[7].investment'],
                  ['projects[4].investment', 'projects[5].investment', 'projects[7].investment'],
                  ['projects[6].investment', 'projects[7].investment'],
                  ['projects[4].investment', 'projects[6].investment', 'projects[7].investment'],
                  ['projects[5].investment', 'projects[6].investment', 'projects[7].investment'],
                  [
                    'projects[4].investment',
                    'projects[5].investment',
                    'projects[6].investment',
                    'projects[7].investment'
                  ]
                ] AS TEXT[][]),
                (
                  (
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
                ) + 1
              )
            )
          END,
          "b_M2_g_unknowns__l"
        )
      )
    )
  END AS "M2_unknowns"
FROM (
  SELECT
    *,
    CASE
      WHEN "projects" IS NULL
      THEN CASE WHEN NOT CAST(NULL AS BOOLEAN) THEN CAST(NULL AS BIGINT) ELSE 4 END
      ELSE LIST_BIT_OR(LIST_TRANSFORM("b_M2_g_paths", LAMBDA s11 : s11))
    END AS "b_M2_g_unknowns__m"
  FROM (
    SELECT
      *,
      CASE
        WHEN (
          "b_M2_g_flags" & 5
        ) <> 0
        THEN LIST_TRANSFORM(
          "projects",
          LAMBDA x9, i10 : CASE
            WHEN (
              x9."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
            ) IS NULL
            THEN CASE
              WHEN (
                i10 - 1
              ) < 8
              THEN CAST(1 AS BIGINT) << (
                (
                  i10 - 1
                ) + 3
              )
            END
            WHEN (
              x9."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
            )
            AND (
              CASE
                WHEN CAST(CAST(x9."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
                THEN CAST(NULL AS DECIMAL(19, 7))
                ELSE LEAST(
                  CAST(CAST(x9."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)),
                  CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                )
              END IS NULL
            )
            THEN COALESCE(
              CASE
                WHEN x9."investment" IS NULL
                THEN CASE
                  WHEN (
                    i10 - 1
                  ) < 8
                  THEN CAST(1 AS BIGINT) << (
                    (
                      i10 - 1
                    ) + 3
                  )
                END
              END,
              0
            ) | COALESCE("param_ratio__m", 0)
          END
        )
      END AS "b_M2_g_paths",
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
        THEN CAST(NULL AS TEXT[])
        ELSE CASE
          WHEN (
            (
              "b_M2_g_flags" & 5
            ) <> 0
          )
          AND (
            COALESCE(LEN("projects"), 0) > 8
          )
          THEN FLATTEN(
            LIST_TRANSFORM(
              "projects",
              LAMBDA x7, i8 : CASE
                WHEN (
                  x7."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                ) IS NULL
                THEN CASE
                  WHEN (
                    i8 - 1
                  ) < 8
                  THEN CAST(NULL AS TEXT[])
                  ELSE ['projects[' || CAST(i8 - 1 AS TEXT) || '].investment']
                END
                WHEN (
                  x7."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                )
                AND (
                  CASE
                    WHEN CAST(CAST(x7."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
                    THEN CAST(NULL AS DECIMAL(19, 7))
                    ELSE LEAST(
                      CAST(CAST(x7."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)),
                      CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                    )
                  END IS NULL
                )
                THEN CASE
                  WHEN x7."investment" IS NULL
                  THEN CASE
                    WHEN (
                      i8 - 1
                    ) < 8
                    THEN CAST(NULL AS TEXT[])
                    ELSE ['projects[' || CAST(i8 - 1 AS TEXT) || '].investment']
                  END
                END
              END
            )
          )
        END
      END AS "b_M2_g_unknowns__l",
      CASE
        WHEN "projects" IS NULL
        THEN NULL
        ELSE CASE
          WHEN (
            "b_M2_g_flags" & 2
          ) <> 0
          THEN LIST_SUM(LIST_TRANSFORM("b_M2_g_items", LAMBDA s4 : CASE WHEN s4.a THEN s4.m END))
        END
      END AS "b_M2_g_amount",
      CASE
        WHEN "projects" IS NULL
        THEN FALSE
        ELSE CASE
          WHEN (
            "b_M2_g_flags" & 4
          ) <> 0
          THEN COALESCE(
            LIST_BOOL_OR(
              LIST_TRANSFORM(
                "projects",
                LAMBDA x5, i6 : CASE
                  WHEN x5."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                  THEN CAST(CAST(x5."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
                  ELSE FALSE
                END
              )
            ),
            FALSE
          )
          ELSE FALSE
        END
      END AS "b_M2_g_blocked"
    FROM (
      SELECT
        *,
        COALESCE(
          LIST_BIT_OR(
            LIST_TRANSFORM(
              "b_M2_g_items",
              LAMBDA s3 : COALESCE(CAST(s3.a AS INT) * (
                2 + (
                  CAST(s3.m IS NULL AS INT) * 4
                )
              ), 1)
            )
          ),
          0
        ) AS "b_M2_g_flags"
      FROM (
        SELECT
          *,
          LIST_TRANSFORM(
            "projects",
            LAMBDA x1, i2 : {'a': x1."investment" >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6)), 'm': CASE
              WHEN CAST(CAST(x1."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)) IS NULL
              THEN CAST(NULL AS DECIMAL(19, 7))
              ELSE LEAST(
                CAST(CAST(x1."investment" AS DECIMAL(38, 6)) * "param_ratio" AS DECIMAL(19, 7)),
                CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
              )
            END}
          ) AS "b_M2_g_items"
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
  ) AS l4
) AS l5
