-- The mapping from the case-management schema (schema.sql) to the dataset:
-- one row per intervention, or one row for an episode with none yet,
-- with columns named by the dataset's short codes (dataset.md §2).
--
-- ndx-extract runs this unchanged on SQLite and PostgreSQL, so it keeps to
-- SQL both understand.  Dates come out as YYYY-MM-DD text.  Values are
-- passed on as stored: the validator, not this query, judges them.
-- Row order does not matter: ndx-extract sorts in byte order itself, so
-- a server's collation cannot change the output.  There is no ORDER BY:
-- the server would sort for nothing and send no row until it had.
--
-- To adapt ndx to another system, change the FROM and JOINs and keep the
-- column names.  A column the query no longer produces is reported as a
-- missing item; a table or column the database lacks stops the extract
-- with exit 78 naming it.

SELECT
    c.agency_code                          AS AGNCY,
    c.client_ref                           AS CLIENTID,
    substr(c.first_name, 1, 1)             AS FINITIAL,
    substr(c.surname, 1, 1)                AS SINITIAL,
    CAST(c.date_of_birth AS TEXT)          AS DOB,
    c.sex                                  AS SEX,
    c.ethnicity                            AS ETHNIC,
    c.nationality                          AS NATION,
    a.la_code                              AS LA,
    CASE WHEN a.no_fixed_abode = 1 THEN 'ZZ99 3VZ'
         ELSE a.postcode END               AS PC,
    c.ndtms_consent                        AS CONSENT,
    e.episode_ref                          AS EPISODID,
    CAST(r.referral_date AS TEXT)          AS REFLD,
    CAST(e.triage_date AS TEXT)            AS TRIAGED,
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
    CAST(pr.release_date AS TEXT)          AS PRISREL,
    CAST(d.discharge_date AS TEXT)         AS DISD,
    d.reason_code                          AS DISRSN,
    i.intervention_ref                     AS MODID,
    i.type_code                            AS MODAL,
    i.setting_code                         AS MODSET,
    CAST(i.referred_date AS TEXT)          AS REFMODDT,
    CAST(i.start_date AS TEXT)             AS MODST,
    CAST(i.end_date AS TEXT)               AS MODEND,
    i.exit_code                            AS MODEXIT
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
LEFT JOIN intervention i     ON i.episode_id = e.episode_id
