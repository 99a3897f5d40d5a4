SELECT
  `row`,
  CASE
    WHEN `b_M1_s_applies`
    THEN 'eligible'
    WHEN NOT `b_M1_s_applies`
    THEN 'not_eligible'
    ELSE 'undetermined'
  END AS `M1_status`,
  CAST(NULL AS DECIMAL(38, 10)) AS `M1_total`,
  CASE
    WHEN COALESCE(`b_M1_s_unknowns__m`, 0) = 0
    THEN CAST(ARRAY() AS ARRAY<STRING>)
    ELSE ELEMENT_AT(
      ARRAY(ARRAY(), ARRAY('rd_expense'), ARRAY('revenue'), ARRAY('rd_expense', 'revenue')),
      CAST((
        (
          (
            SHIFTRIGHT(COALESCE(`b_M1_s_unknowns__m`, 0), 0)
          ) & 1
        ) | (
          SHIFTLEFT((
            (
              SHIFTRIGHT(COALESCE(`b_M1_s_unknowns__m`, 0), 1)
            ) & 1
          ), 1)
        )
      ) + 1 AS INT)
    )
  END AS `M1_unknowns`,
  CASE
    WHEN `b_M2_g_applies`
    THEN 'eligible'
    WHEN NOT `b_M2_g_applies`
    THEN 'not_eligible'
    ELSE 'undetermined'
  END AS `M2_status`,
  CASE
    WHEN `b_M2_g_blocked`
    THEN CAST(NULL AS DECIMAL(38, 10))
    ELSE CAST(`b_M2_g_amount` AS DECIMAL(38, 10))
  END AS `M2_total`,
  CASE
    WHEN COALESCE(SIZE(`b_M2_g_unknowns__l`), 0) = 0
    THEN CASE
      WHEN COALESCE(`b_M2_g_unknowns__m`, 0) = 0
      THEN CAST(ARRAY() AS ARRAY<STRING>)
      ELSE CONCAT(
        COALESCE(
          ELEMENT_AT(
            ARRAY(
              ARRAY(),
              ARRAY('level'),
              ARRAY('projects'),
              ARRAY('level', 'projects'),
              ARRAY('projects[0].investment'),
              ARRAY('level', 'projects[0].investment'),
              ARRAY('projects', 'projects[0].investment'),
              ARRAY('level', 'projects', 'projects[0].investment'),
              ARRAY('projects[1].investment'),
              ARRAY('level', 'projects[1].investment'),
              ARRAY('projects', 'projects[1].investment'),
              ARRAY('level', 'projects', 'projects[1].investment'),
              ARRAY('projects[0].investment', 'projects[1].investment'),
              ARRAY('level', 'projects[0].investment', 'projects[1].investment'),
              ARRAY('projects', 'projects[0].investment', 'projects[1].investment'),
              ARRAY('level', 'projects', 'projects[0].investment', 'projects[1].investment'),
              ARRAY('projects[2].investment'),
              ARRAY('level', 'projects[2].investment'),
              ARRAY('projects', 'projects[2].investment'),
              ARRAY('level', 'projects', 'projects[2].investment'),
              ARRAY('projects[0].investment', 'projects[2].investment'),
              ARRAY('level', 'projects[0].investment', 'projects[2].investment'),
              ARRAY('projects', 'projects[0].investment', 'projects[2].investment'),
              ARRAY('level', 'projects', 'projects[0].investment', 'projects[2].investment'),
              ARRAY('projects[1].investment', 'projects[2].investment'),
              ARRAY('level', 'projects[1].investment', 'projects[2].investment'),
              ARRAY('projects', 'projects[1].investment', 'projects[2].investment'),
              ARRAY('level', 'projects', 'projects[1].investment', 'projects[2].investment'),
              ARRAY('projects[0].investment', 'projects[1].investment', 'projects[2].investment'),
              ARRAY('level', 'projects[0].investment', 'projects[1].investment', 'projects[2].investment'),
              ARRAY(
                'projects',
                'projects[0].investment',
                'projects[1].investment',
                'projects[2].investment'
              ),
              ARRAY(
                'level',
                'projects',
                'projects[0].investment',
                'projects[1].investment',
                'projects[2].investment'
              ),
              ARRAY('projects[3].investment'),
              ARRAY('level', 'projects[3].investment'),
              ARRAY('projects', 'projects[3].investment'),
              ARRAY('level', 'projects', 'projects[3].investment'),
              ARRAY('projects[0].investment', 'projects[3].investment'),
              ARRAY('level', 'projects[0].investment', 'projects[3].investment'),
              ARRAY('projects', 'projects[0].investment', 'projects[3].investment'),
              ARRAY('level', 'projects', 'projects[0].investment', 'projects[3].investment'),
              ARRAY('projects[1].investment', 'projects[3].investment'),
              ARRAY('level', 'projects[1].investment', 'projects[3].investment'),
              ARRAY('projects', 'projects[1].investment', 'projects[3].investment'),
              ARRAY('level', 'projects', 'projects[1].investment', 'projects[3].investment'),
              ARRAY('projects[0].investment', 'projects[1].investment', 'projects[3].investment'),
              ARRAY('level', 'projects[0].investment', 'projects[1].investment', 'projects[3].investment'),
              ARRAY(
                'projects',
                'projects[0].investment',
                'projects[1].investment',
                'projects[3].investment'
              ),
              ARRAY(
                'level',
                'projects',
                'projects[0].investment',
                'projects[1].investment',
                'projects[3].investment'
              ),
              ARRAY('projects[2].investment', 'projects[3].investment'),
              ARRAY('level', 'projects[2].investment', 'projects[3].investment'),
              ARRAY('projects', 'projects[2].investment', 'projects[3].investment'),
              ARRAY('level', 'projects', 'projects[2].investment', 'projects[3].investment'),
              ARRAY('projects[0].investment', 'projects[2].investment', 'projects[3].investment'),
              ARRAY('level', 'projects[0].investment', 'projects[2].investment', 'projects[3].investment'),
              ARRAY(
                'projects',
                'projects[0].investment',
                'projects[2].investment',
                'projects[3].investment'
              ),
              ARRAY(
                'level',
                'projects',
                'projects[0].investment',
                'projects[2].investment',
                'projects[3].investment'
              ),
              ARRAY('projects[1].investment', 'projects[2].investment', 'projects[3].investment'),
              ARRAY('level', 'projects[1].investment', 'projects[2].investment', 'projects[3].investment'),
              ARRAY(
                'projects',
                'projects[1].investment',
                'projects[2].investment',
                'projects[3].investment'
              ),
              ARRAY(
                'level',
                'projects',
                'projects[1].investment',
                'projects[2].investment',
                'projects[3].investment'
              ),
              ARRAY(
                'projects[0].investment',
                'projects[1].investment',
                'projects[2].investment',
                'projects[3].investment'
              ),
              ARRAY(
                'level',
                'projects[0].investment',
                'projects[1].investment',
                'projects[2].investment',
                'projects[3].investment'
              ),
              ARRAY(
                'projects',
                'projects[0].investment',
                'projects[1].investment',
                'projects[2].investment',
                'projects[3].investment'
              ),
              ARRAY(
                'level',
                'projects',
                'projects[0].investment',
                'projects[1].investment',
                'projects[2].investment',
                'projects[3].investment'
              )
            ),
            CAST((
              (
                (
                  (
                    (
                      (
                        (
                          SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 11)
                        ) & 1
                      ) | (
                        SHIFTLEFT((
                          (
                            SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 2)
                          ) & 1
                        ), 1)
                      )
                    ) | (
                      SHIFTLEFT((
                        (
                          SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 3)
                        ) & 1
                      ), 2)
                    )
                  ) | (
                    SHIFTLEFT((
                      (
                        SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 4)
                      ) & 1
                    ), 3)
                  )
                ) | (
                  SHIFTLEFT((
                    (
                      SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 5)
                    ) & 1
                  ), 4)
                )
              ) | (
                SHIFTLEFT((
                  (
                    SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 6)
                  ) & 1
                ), 5)
              )
            ) + 1 AS INT)
          ),
          CAST(ARRAY() AS ARRAY<STRING>)
        ),
        COALESCE(
          ELEMENT_AT(
            ARRAY(
              ARRAY(),
              ARRAY('projects[4].investment'),
              ARRAY('projects[5].investment'),
              ARRAY('projects[4].investment', 'projects[5].investment'),
              ARRAY('projects[6].investment'),
              ARRAY('projects[4].investment', 'projects[6].investment'),
              ARRAY('projects[5].investment', 'projects[6].investment'),
              ARRAY('projects[4].investment', 'projects[5].investment', 'projects[6].investment'),
              ARRAY('projects[7].investment'),
              ARRAY('projects[4].investment', 'projects[7].investment'),
              ARRAY('projects[5].investment', 'projects[7].investment'),
              ARRAY('projects[4].investment', 'projects[5].investment', 'projects[7].investment'),
              ARRAY('projects[6].investment', 'projects[7].investment'),
              ARRAY('projects[4].investment', 'projects[6].investment', 'projects[7].investment'),
              ARRAY('projects[5].investment', 'projects[6].investment', 'projects[7].investment'),
              ARRAY(
                'projects[4].investment',
                'projects[5].investment',
                'projects[6].investment',
                'projects[7].investment'
              )
            ),
            CAST((
              (
                (
                  (
                    (
                      SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 7)
                    ) & 1
                  ) | (
                    SHIFTLEFT((
                      (
                        SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 8)
                      ) & 1
                    ), 1)
                  )
                ) | (
                  SHIFTLEFT((
                    (
                      SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 9)
                    ) & 1
                  ), 2)
                )
              ) | (
                SHIFTLEFT((
                  (
                    SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 10)
                  ) & 1
                ), 3)
              )
            ) + 1 AS INT)
          ),
          CAST(ARRAY() AS ARRAY<STRING>)
        )
      )
    END
    ELSE ARRAY_SORT(
      ARRAY_DISTINCT(
        CONCAT(
          COALESCE(
            CASE
              WHEN COALESCE(`b_M2_g_unknowns__m`, 0) = 0
              THEN CAST(ARRAY() AS ARRAY<STRING>)
              ELSE CONCAT(
                COALESCE(
                  ELEMENT_AT(
                    ARRAY(
                      ARRAY(),
                      ARRAY('level'),
                      ARRAY('projects'),
                      ARRAY('level', 'projects'),
                      ARRAY('projects[0].investment'),
                      ARRAY('level', 'projects[0].investment'),
                      ARRAY('projects', 'projects[0].investment'),
                      ARRAY('level', 'projects', 'projects[0].investment'),
                      ARRAY('projects[1].investment'),
                      ARRAY('level', 'projects[1].investment'),
                      ARRAY('projects', 'projects[1].investment'),
                      ARRAY('level', 'projects', 'projects[1].investment'),
                      ARRAY('projects[0].investment', 'projects[1].investment'),
                      ARRAY('level', 'projects[0].investment', 'projects[1].investment'),
                      ARRAY('projects', 'projects[0].investment', 'projects[1].investment'),
                      ARRAY('level', 'projects', 'projects[0].investment', 'projects[1].investment'),
                      ARRAY('projects[2].investment'),
                      ARRAY('level', 'projects[2].investment'),
                      ARRAY('projects', 'projects[2].investment'),
                      ARRAY('level', 'projects', 'projects[2].investment'),
                      ARRAY('projects[0].investment', 'projects[2].investment'),
                      ARRAY('level', 'projects[0].investment', 'projects[2].investment'),
                      ARRAY('projects', 'projects[0].investment', 'projects[2].investment'),
                      ARRAY('level', 'projects', 'projects[0].investment', 'projects[2].investment'),
                      ARRAY('projects[1].investment', 'projects[2].investment'),
                      ARRAY('level', 'projects[1].investment', 'projects[2].investment'),
                      ARRAY('projects', 'projects[1].investment', 'projects[2].investment'),
                      ARRAY('level', 'projects', 'projects[1].investment', 'projects[2].investment'),
                      ARRAY('projects[0].investment', 'projects[1].investment', 'projects[2].investment'),
                      ARRAY('level', 'projects[0].investment', 'projects[1].investment', 'projects[2].investment'),
                      ARRAY(
                        'projects',
                        'projects[0].investment',
                        'projects[1].investment',
                        'projects[2].investment'
                      ),
                      ARRAY(
                        'level',
                        'projects',
                        'projects[0].investment',
                        'projects[1].investment',
                        'projects[2].investment'
                      ),
                      ARRAY('projects[3].investment'),
                      ARRAY('level', 'projects[3].investment'),
                      ARRAY('projects', 'projects[3].investment'),
                      ARRAY('level', 'projects', 'projects[3].investment'),
                      ARRAY('projects[0].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects[0].investment', 'projects[3].investment'),
                      ARRAY('projects', 'projects[0].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects', 'projects[0].investment', 'projects[3].investment'),
                      ARRAY('projects[1].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects[1].investment', 'projects[3].investment'),
                      ARRAY('projects', 'projects[1].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects', 'projects[1].investment', 'projects[3].investment'),
                      ARRAY('projects[0].investment', 'projects[1].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects[0].investment', 'projects[1].investment', 'projects[3].investment'),
                      ARRAY(
                        'projects',
                        'projects[0].investment',
                        'projects[1].investment',
                        'projects[3].investment'
                      ),
                      ARRAY(
                        'level',
                        'projects',
                        'projects[0].investment',
                        'projects[1].investment',
                        'projects[3].investment'
                      ),
                      ARRAY('projects[2].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects[2].investment', 'projects[3].investment'),
                      ARRAY('projects', 'projects[2].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects', 'projects[2].investment', 'projects[3].investment'),
                      ARRAY('projects[0].investment', 'projects[2].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects[0].investment', 'projects[2].investment', 'projects[3].investment'),
                      ARRAY(
                        'projects',
                        'projects[0].investment',
                        'projects[2].investment',
                        'projects[3].investment'
                      ),
                      ARRAY(
                        'level',
                        'projects',
                        'projects[0].investment',
                        'projects[2].investment',
                        'projects[3].investment'
                      ),
                      ARRAY('projects[1].investment', 'projects[2].investment', 'projects[3].investment'),
                      ARRAY('level', 'projects[1].investment', 'projects[2].investment', 'projects[3].investment'),
                      ARRAY(
                        'projects',
                        'projects[1].investment',
                        'projects[2].investment',
                        'projects[3].investment'
                      ),
                      ARRAY(
                        'level',
                        'projects',
                        'projects[1].investment',
                        'projects[2].investment',
                        'projects[3].investment'
                      ),
                      ARRAY(
                        'projects[0].investment',
                        'projects[1].investment',
                        'projects[2].investment',
                        'projects[3].investment'
                      ),
                      ARRAY(
                        'level',
                        'projects[0].investment',
                        'projects[1].investment',
                        'projects[2].investment',
                        'projects[3].investment'
                      ),
                      ARRAY(
                        'projects',
                        'projects[0].investment',
                        'projects[1].investment',
                        'projects[2].investment',
                        'projects[3].investment'
                      ),
                      ARRAY(
                        'level',
                        'projects',
                        'projects[0].investment',
                        'projects[1].investment',
                        'projects[2].investment',
                        'projects[3].investment'
                      )
                    ),
                    CAST((
                      (
                        (
                          (
                            (
                              (
                                (
                                  SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 11)
                                ) & 1
                              ) | (
                                SHIFTLEFT((
                                  (
                                    SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 2)
                                  ) & 1
                                ), 1)
                              )
                            ) | (
                              SHIFTLEFT((
                                (
                                  SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 3)
                                ) & 1
                              ), 2)
                            )
                          ) | (
                            SHIFTLEFT((
                              (
                                SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 4)
                              ) & 1
                            ), 3)
                          )
                        ) | (
                          SHIFTLEFT((
                            (
                              SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 5)
                            ) & 1
                          ), 4)
                        )
                      ) | (
                        SHIFTLEFT((
                          (
                            SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 6)
                          ) & 1
                        ), 5)
                      )
                    ) + 1 AS INT)
                  ),
                  CAST(ARRAY() AS ARRAY<STRING>)
                ),
                COALESCE(
                  ELEMENT_AT(
                    ARRAY(
                      ARRAY(),
                      ARRAY('projects[4].investment'),
                      ARRAY('projects[5].investment'),
                      ARRAY('projects[4].investment', 'projects[5].investment'),
                      ARRAY('projects[6].investment'),
                      ARRAY('projects[4].investment', 'projects[6].investment'),
                      ARRAY('projects[5].investment', 'projects[6].investment'),
                      ARRAY('projects[4].investment', 'projects[5].investment', 'projects[6].investment'),
                      ARRAY('projects[7].investment'),
                      ARRAY('projects[4].investment', 'projects[7].investment'),
                      ARRAY('projects[5].investment', 'projects[7].investment'),
                      ARRAY('projects[4].investment', 'projects[5].investment', 'projects[7].investment'),
                      ARRAY('projects[6].investment', 'projects[7].investment'),
                      ARRAY('projects[4].investment', 'projects[6].investment', 'projects[7].investment'),
                      ARRAY('projects[5].investment', 'projects[6].investment', 'projects[7].investment'),
                      ARRAY(
                        'projects[4].investment',
                        'projects[5].investment',
                        'projects[6].investment',
                        'projects[7].investment'
                      )
                    ),
                    CAST((
                      (
                        (
                          (
                            (
                              SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 7)
                            ) & 1
                          ) | (
                            SHIFTLEFT((
                              (
                                SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 8)
                              ) & 1
                            ), 1)
                          )
                        ) | (
                          SHIFTLEFT((
                            (
                              SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 9)
                            ) & 1
                          ), 2)
                        )
                      ) | (
                        SHIFTLEFT((
                          (
                            SHIFTRIGHT(COALESCE(`b_M2_g_unknowns__m`, 0), 10)
                          ) & 1
                        ), 3)
                      )
                    ) + 1 AS INT)
                  ),
                  CAST(ARRAY() AS ARRAY<STRING>)
                )
              )
            END,
            CAST(ARRAY() AS ARRAY<STRING>)
          ),
          COALESCE(`b_M2_g_unknowns__l`, CAST(ARRAY() AS ARRAY<STRING>))
        )
      )
    )
  END AS `M2_unknowns`
FROM (
  SELECT
    *,
    CASE
      WHEN `projects` IS NULL
      THEN CASE WHEN NOT CAST(NULL AS BOOLEAN) THEN CAST(NULL AS BIGINT) ELSE 4 END
      ELSE AGGREGATE(
        TRANSFORM(`b_M2_g_paths`, s17 -> s17),
        CAST(0 AS BIGINT),
        (acc18, f19) -> acc18 | CAST(COALESCE(f19, 0) AS BIGINT)
      )
    END AS `b_M2_g_unknowns__m`
  FROM (
    SELECT
      *,
      CASE
        WHEN (
          `b_M2_g_flags` & 5
        ) <> 0
        THEN TRANSFORM(
          `projects`,
          (x15, i16) -> CASE
            WHEN (
              x15.`investment` >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
            ) IS NULL
            THEN CASE WHEN i16 < 8 THEN SHIFTLEFT(CAST(1 AS BIGINT), (
              i16 + 3
            )) END
            WHEN (
              x15.`investment` >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
            )
            AND (
              CASE
                WHEN CAST(CAST(x15.`investment` AS DECIMAL(38, 6)) * `param_ratio` AS DECIMAL(19, 7)) IS NULL
                THEN CAST(NULL AS DECIMAL(19, 7))
                ELSE LEAST(
                  CAST(CAST(x15.`investment` AS DECIMAL(38, 6)) * `param_ratio` AS DECIMAL(19, 7)),
                  CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                )
              END IS NULL
            )
            THEN COALESCE(
              CASE
                WHEN x15.`investment` IS NULL
                THEN CASE WHEN i16 < 8 THEN SHIFTLEFT(CAST(1 AS BIGINT), (
                  i16 + 3
                )) END
              END,
              0
            ) | COALESCE(`param_ratio__m`, 0)
          END
        )
      END AS `b_M2_g_paths`,
      CASE
        WHEN `projects` IS NULL
        THEN CASE WHEN NOT CAST(NULL AS BOOLEAN) THEN FALSE ELSE CAST(NULL AS BOOLEAN) END
        ELSE CASE
          WHEN (
            `b_M2_g_flags` & 2
          ) <> 0
          THEN TRUE
          WHEN (
            `b_M2_g_flags` & 1
          ) <> 0
          THEN CAST(NULL AS BOOLEAN)
          ELSE FALSE
        END
      END AS `b_M2_g_applies`,
      CASE
        WHEN `projects` IS NULL
        THEN CAST(NULL AS ARRAY<STRING>)
        ELSE CASE
          WHEN (
            (
              `b_M2_g_flags` & 5
            ) <> 0
          )
          AND (
            COALESCE(SIZE(`projects`), 0) > 8
          )
          THEN FLATTEN(
            TRANSFORM(
              TRANSFORM(
                `projects`,
                (x12, i13) -> CASE
                  WHEN (
                    x12.`investment` >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                  ) IS NULL
                  THEN CASE
                    WHEN i13 < 8
                    THEN CAST(NULL AS ARRAY<STRING>)
                    ELSE ARRAY(CONCAT('projects[', CAST(i13 AS STRING), '].investment'))
                  END
                  WHEN (
                    x12.`investment` >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                  )
                  AND (
                    CASE
                      WHEN CAST(CAST(x12.`investment` AS DECIMAL(38, 6)) * `param_ratio` AS DECIMAL(19, 7)) IS NULL
                      THEN CAST(NULL AS DECIMAL(19, 7))
                      ELSE LEAST(
                        CAST(CAST(x12.`investment` AS DECIMAL(38, 6)) * `param_ratio` AS DECIMAL(19, 7)),
                        CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                      )
                    END IS NULL
                  )
                  THEN CASE
                    WHEN x12.`investment` IS NULL
                    THEN CASE
                      WHEN i13 < 8
                      THEN CAST(NULL AS ARRAY<STRING>)
                      ELSE ARRAY(CONCAT('projects[', CAST(i13 AS STRING), '].investment'))
                    END
                  END
                END
              ),
              u14 -> COALESCE(u14, CAST(ARRAY() AS ARRAY<STRING>))
            )
          )
        END
      END AS `b_M2_g_unknowns__l`,
      CASE
        WHEN `projects` IS NULL
        THEN NULL
        ELSE CASE
          WHEN (
            `b_M2_g_flags` & 2
          ) <> 0
          THEN AGGREGATE(
            TRANSFORM(`b_M2_g_items`, s6 -> CASE WHEN s6.a THEN s6.m END),
            CAST(NULL AS DECIMAL(38, 10)),
            (acc7, v8) -> CASE
              WHEN v8 IS NULL
              THEN acc7
              WHEN acc7 IS NULL
              THEN CAST(v8 AS DECIMAL(38, 10))
              ELSE CAST(acc7 + v8 AS DECIMAL(38, 10))
            END
          )
        END
      END AS `b_M2_g_amount`,
      CASE
        WHEN `projects` IS NULL
        THEN FALSE
        ELSE CASE
          WHEN (
            `b_M2_g_flags` & 4
          ) <> 0
          THEN EXISTS(
            TRANSFORM(
              `projects`,
              (x9, i10) -> CASE
                WHEN x9.`investment` >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6))
                THEN CAST(CAST(x9.`investment` AS DECIMAL(38, 6)) * `param_ratio` AS DECIMAL(19, 7)) IS NULL
                ELSE FALSE
              END
            ),
            b11 -> COALESCE(b11, FALSE)
          )
          ELSE FALSE
        END
      END AS `b_M2_g_blocked`
    FROM (
      SELECT
        *,
        COALESCE(
          AGGREGATE(
            TRANSFORM(
              `b_M2_g_items`,
              s3 -> COALESCE(CAST(s3.a AS INT) * (
                2 + (
                  CAST(s3.m IS NULL AS INT) * 4
                )
              ), 1)
            ),
            CAST(0 AS BIGINT),
            (acc4, f5) -> acc4 | CAST(COALESCE(f5, 0) AS BIGINT)
          ),
          0
        ) AS `b_M2_g_flags`
      FROM (
        SELECT
          *,
          TRANSFORM(
            `projects`,
            (x1, i2) -> NAMED_STRUCT(
              'a',
              x1.`investment` >= CAST(CAST(150 AS DECIMAL(3, 0)) AS DECIMAL(18, 6)),
              'm',
              CASE
                WHEN CAST(CAST(x1.`investment` AS DECIMAL(38, 6)) * `param_ratio` AS DECIMAL(19, 7)) IS NULL
                THEN CAST(NULL AS DECIMAL(19, 7))
                ELSE LEAST(
                  CAST(CAST(x1.`investment` AS DECIMAL(38, 6)) * `param_ratio` AS DECIMAL(19, 7)),
                  CAST(CAST(500 AS DECIMAL(3, 0)) AS DECIMAL(19, 7))
                )
              END
            )
          ) AS `b_M2_g_items`
        FROM (
          SELECT
            *,
            CASE
              WHEN `revenue` = 0
              THEN NULL
              WHEN `revenue` > 0
              THEN CAST(`rd_expense` AS DECIMAL(20, 8)) >= CAST(CAST(CAST(0.03 AS DECIMAL(2, 2)) AS DECIMAL(38, 2)) * `revenue` AS DECIMAL(20, 8))
              ELSE CAST(`rd_expense` AS DECIMAL(20, 8)) <= CAST(CAST(CAST(0.03 AS DECIMAL(2, 2)) AS DECIMAL(38, 2)) * `revenue` AS DECIMAL(20, 8))
            END AS `b_M1_s_applies`,
            CASE
              WHEN CASE
                WHEN `revenue` = 0
                THEN NULL
                WHEN `revenue` > 0
                THEN CAST(`rd_expense` AS DECIMAL(20, 8)) >= CAST(CAST(CAST(0.03 AS DECIMAL(2, 2)) AS DECIMAL(38, 2)) * `revenue` AS DECIMAL(20, 8))
                ELSE CAST(`rd_expense` AS DECIMAL(20, 8)) <= CAST(CAST(CAST(0.03 AS DECIMAL(2, 2)) AS DECIMAL(38, 2)) * `revenue` AS DECIMAL(20, 8))
              END IS NULL
              THEN CASE
                WHEN (
                  `rd_expense` IS NULL
                ) OR (
                  `revenue` IS NULL
                )
                THEN COALESCE(CASE WHEN `rd_expense` IS NULL THEN 1 END, 0) | COALESCE(CASE WHEN `revenue` IS NULL THEN 2 END, 0)
                ELSE 2
              END
            END AS `b_M1_s_unknowns__m`,
            CASE
              WHEN `level` IN ('provincial', 'little_giant')
              THEN CAST(0.4 AS DECIMAL(1, 1))
              WHEN (
                (
                  `level` IN ('provincial', 'little_giant')
                ) IS NULL
              )
              AND (
                NOT (
                  CAST(0.4 AS DECIMAL(1, 1)) = CAST(0.3 AS DECIMAL(1, 1))
                )
              )
              THEN CAST(NULL AS DECIMAL(1, 1))
              ELSE CAST(0.3 AS DECIMAL(1, 1))
            END AS `param_ratio`,
            CASE
              WHEN CASE
                WHEN `level` IN ('provincial', 'little_giant')
                THEN CAST(0.4 AS DECIMAL(1, 1))
                WHEN (
                  (
                    `level` IN ('provincial', 'little_giant')
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
                WHEN `level` IN ('provincial', 'little_giant')
                THEN CAST(NULL AS BIGINT)
                WHEN (
                  (
                    `level` IN ('provincial', 'little_giant')
                  ) IS NULL
                )
                AND (
                  NOT (
                    CAST(0.4 AS DECIMAL(1, 1)) = CAST(0.3 AS DECIMAL(1, 1))
                  )
                )
                THEN CASE WHEN (
                  `level` IN ('provincial', 'little_giant')
                ) IS NULL THEN 2048 END
              END
            END AS `param_ratio__m`
          FROM profiles
        ) AS l1
      ) AS l2
    ) AS l3
  ) AS l4
) AS l5
