-- The mapping for dataset version 2 (outcomes.md): sql/episodes.sql's,
-- with each Treatment Outcomes Profile interview of top_interview as a
-- row of its own beside the intervention rows (a row is one or the
-- other, rule R200), and the TOP columns after the intervention columns.
-- Everything sql/episodes.sql says of portability holds here; the rows
-- of the two tables are joined as one, with NULL for the other's
-- columns, so an episode with neither still has its one row.
--
-- ndx-extract uses this mapping with --dataset 2 (ndx-run: dataset = 2).

SELECT
    c.agency_code                          AS AGNCY,
    c.client_ref                           AS CLIENTID,
    SUBSTRING(c.first_name, 1, 1)          AS FINITIAL,
    SUBSTRING(c.surname, 1, 1)             AS SINITIAL,
    c.date_of_birth                        AS DOB,
    c.sex                                  AS SEX,
    c.ethnicity                            AS ETHNIC,
    c.nationality                          AS NATION,
    a.la_code                              AS LA,
    CASE WHEN a.no_fixed_abode = 1 THEN 'ZZ99 3VZ'
         ELSE a.postcode END               AS PC,
    c.ndtms_consent                        AS CONSENT,
    e.episode_ref                          AS EPISODID,
    r.referral_date                        AS REFLD,
    e.triage_date                          AS TRIAGED,
    r.source_code                          AS RFLS,
    s1.substance_code                      AS DRUG1,
    s2.substance_code                      AS DRUG2,
    s3.substance_code                      AS DRUG3,
    s1.route_code                          AS ROUTE,
    e.injecting_status                     AS INJSTAT,
    e.accommodation_need                   AS ACCMNEED,
    e.employment_status                    AS EMPSTAT,
    e.parental_status                      AS PRNTSTAT,
    e.pregnant                             AS PREGNANT,
    COALESCE(cj.requirement_code, '9')     AS CJORDER,
    pr.release_date                        AS PRISREL,
    d.discharge_date                       AS DISD,
    d.reason_code                          AS DISRSN,
    i.intervention_ref                     AS MODID,
    i.type_code                            AS MODAL,
    i.setting_code                         AS MODSET,
    i.referred_date                        AS REFMODDT,
    i.start_date                           AS MODST,
    i.end_date                             AS MODEND,
    i.exit_code                            AS MODEXIT,
    i.top_ref                              AS TOPID,
    i.interview_date                       AS TOPDATE,
    i.stage                                AS TRSTAGE,
    i.alcohol_days                         AS ALCUSE,
    i.alcohol_units                        AS ALCUNITS,
    i.opiate_days                          AS OPIUSE,
    i.crack_days                           AS CRAUSE,
    i.cocaine_days                         AS COCAUSE,
    i.amphetamine_days                     AS AMPHUSE,
    i.cannabis_days                        AS CANNUSE,
    i.other_drug_days                      AS OTDRGUSE,
    i.injecting_days                       AS IVDRGUSE,
    i.shared_equipment                     AS SHARING,
    i.shoplifting_days                     AS SHOTHEFT,
    i.drug_selling_days                    AS DRGSELL,
    i.other_theft                          AS OTHTHEFT,
    i.assault                              AS ASSAULT,
    i.psych_health                         AS PSYHSTAT,
    i.phys_health                          AS PHSTAT,
    i.quality_of_life                      AS QUALLIFE,
    i.paid_work_days                       AS PWORK,
    i.education_days                       AS EDUCAT,
    i.acute_housing                        AS ACUTHPBM,
    i.eviction_risk                        AS HRISK
FROM episode e
JOIN client c                ON c.client_id = e.client_id
LEFT JOIN referral r         ON r.referral_id = e.referral_id
-- The address in force on the triage date (the latest one before it).
LEFT JOIN address a          ON a.address_id = (
        SELECT a2.address_id FROM address a2
        WHERE a2.client_id = c.client_id
          AND (e.triage_date IS NULL OR a2.valid_from <= e.triage_date)
        ORDER BY a2.valid_from DESC, a2.address_id DESC
        LIMIT 1)
LEFT JOIN problem_substance s1 ON s1.episode_id = e.episode_id AND s1.rank = 1
LEFT JOIN problem_substance s2 ON s2.episode_id = e.episode_id AND s2.rank = 2
LEFT JOIN problem_substance s3 ON s3.episode_id = e.episode_id AND s3.rank = 3
LEFT JOIN cj_requirement cj  ON cj.episode_id = e.episode_id
LEFT JOIN prison_release pr  ON pr.episode_id = e.episode_id
LEFT JOIN discharge d        ON d.episode_id = e.episode_id
LEFT JOIN (
    SELECT episode_id, intervention_ref, type_code, setting_code,
           referred_date, start_date, end_date, exit_code,
           NULL AS top_ref, NULL AS interview_date, NULL AS stage,
           NULL AS alcohol_days, NULL AS alcohol_units, NULL AS opiate_days,
           NULL AS crack_days, NULL AS cocaine_days,
           NULL AS amphetamine_days, NULL AS cannabis_days,
           NULL AS other_drug_days, NULL AS injecting_days,
           NULL AS shared_equipment, NULL AS shoplifting_days,
           NULL AS drug_selling_days, NULL AS other_theft, NULL AS assault,
           NULL AS psych_health, NULL AS phys_health,
           NULL AS quality_of_life, NULL AS paid_work_days,
           NULL AS education_days, NULL AS acute_housing,
           NULL AS eviction_risk
    FROM intervention
    UNION ALL
    SELECT episode_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           top_ref, interview_date, stage, alcohol_days, alcohol_units,
           opiate_days, crack_days, cocaine_days, amphetamine_days,
           cannabis_days, other_drug_days, injecting_days,
           shared_equipment, shoplifting_days, drug_selling_days,
           other_theft, assault, psych_health, phys_health,
           quality_of_life, paid_work_days, education_days, acute_housing,
           eviction_risk
    FROM top_interview
) i                          ON i.episode_id = e.episode_id
