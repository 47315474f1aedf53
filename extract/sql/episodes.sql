-- The mapping from the case-management schema (schema.sql) to the dataset:
-- one row per intervention, or one row for an episode with none yet,
-- with columns named by the dataset's short codes (dataset.md §2).
--
-- ndx-extract runs this unchanged on SQLite, PostgreSQL and, through
-- ODBC, MariaDB, so it keeps to SQL all of them understand (docs/odbc.md
-- has the one change SQL Server needs).  Dates are selected as they are:
-- every source hands values over as text, and a DATE comes out as
-- YYYY-MM-DD (ndx-extract sets PostgreSQL's DateStyle to ISO).  No CAST:
-- CAST(... AS TEXT) is PostgreSQL's and SQLite's, not MariaDB's.  Values are
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
