-- Hand-made case-management data for tests/e2e/test_sources.sh, loaded
-- unchanged into SQLite and PostgreSQL after extract/sql/schema.sql.
--
--   N0852 C1   address change between two episodes (two <client>s);
--              EP-1 open across the 2025/26 financial-year boundary
--   N1234 X9   the same person at a second agency (heroin-assisted)
--   N0852 C2   lower-case initials; prison leaver on a licence
--   N0852 c10  no fixed abode; an episode with no intervention; NULLs
--   N0852 C10  born, referred and triaged on 29 February
--   N0852 C20  period edges: EP-7 discharged on 2026-04-01 (the first
--              day of 2026/27), EP-6 on 2026-03-31 (its eve), EP-8
--              referred on 2026-06-30 (the last day of 2026Q1), EP-3
--              opened and closed in 2025Q1
--   N0852 C3   two interventions without a reference (MODID NULL)
--
-- Client references differ only in case (c10, C10) and sort differently
-- by byte and by locale; NULL intervention references sort first in
-- SQLite and last in PostgreSQL.  The extract must not care.

INSERT INTO agency VALUES ('N0852', 'Tees Recovery');
INSERT INTO agency VALUES ('N1234', 'Hartlepool Assisted Treatment');

INSERT INTO client VALUES (1, 'N0852', 'C1', 'John', 'Smith', '1980-03-07', 'M', 'A', 'GBR', 'Y');
INSERT INTO client VALUES (2, 'N0852', 'C2', 'anna', 'brown', '1991-11-12', 'F', 'M', 'GBR', 'Y');
INSERT INTO client VALUES (3, 'N0852', 'c10', 'Kim', 'Lee', '1999-05-30', 'M', 'Z', NULL, 'N');
INSERT INTO client VALUES (4, 'N0852', 'C10', 'Leah', 'Day', '1996-02-29', 'F', 'A', 'GBR', 'Y');
INSERT INTO client VALUES (5, 'N1234', 'X9', 'John', 'Smith', '1980-03-07', 'M', 'A', 'GBR', 'Y');
INSERT INTO client VALUES (6, 'N0852', 'C20', 'Raj', 'Tal', '1970-01-01', 'M', 'H', 'GBR', 'Y');
INSERT INTO client VALUES (7, 'N0852', 'C3', 'Ola', 'Nwa', '1985-08-15', 'F', 'N', 'NGA', 'Y');

INSERT INTO address VALUES (1, 1, '2020-01-01', 'TS1 3QY', 0, 'E06000002');
INSERT INTO address VALUES (2, 1, '2026-05-01', 'TS5 6AB', 0, 'E06000002');
INSERT INTO address VALUES (3, 2, '2019-06-01', 'TS18 2AB', 0, 'E06000004');
INSERT INTO address VALUES (4, 3, '2025-01-01', NULL, 1, 'E06000003');
INSERT INTO address VALUES (5, 4, '2015-01-01', 'TS24 7QS', 0, 'E06000001');
INSERT INTO address VALUES (6, 5, '2020-01-01', 'TS1 3QY', 0, 'E06000002');
INSERT INTO address VALUES (7, 6, '2010-01-01', 'TS10 1AA', 0, 'E06000003');
INSERT INTO address VALUES (8, 7, '2018-01-01', 'TS17 6BB', 0, 'E06000004');

INSERT INTO referral VALUES (1, 1, '2026-02-10', '4');
INSERT INTO referral VALUES (2, 1, '2026-06-01', '3');
INSERT INTO referral VALUES (3, 2, '2026-07-01', '13');
INSERT INTO referral VALUES (4, 3, '2026-09-28', '5');
INSERT INTO referral VALUES (5, 4, '2024-02-29', '3');
INSERT INTO referral VALUES (6, 5, '2026-05-01', '3');
INSERT INTO referral VALUES (7, 6, '2025-12-01', '3');
INSERT INTO referral VALUES (8, 6, '2026-06-30', '3');
INSERT INTO referral VALUES (9, 6, '2026-01-05', '3');
INSERT INTO referral VALUES (10, 7, '2026-03-01', '1');
INSERT INTO referral VALUES (11, 6, '2025-05-01', '3');

INSERT INTO episode VALUES (1, 1, 1, 'EP-1', '2026-02-15', 'C', '3', '12', '14', NULL);
INSERT INTO episode VALUES (2, 1, 2, 'EP-5', '2026-06-03', 'P', '3', '1', '14', NULL);
INSERT INTO episode VALUES (3, 2, 3, 'EP-2', '2026-07-02', 'P', '2', '12', '13', 'N');
INSERT INTO episode VALUES (4, 3, 4, 'EP-4', '2026-09-29', 'N', '1', '12', '14', NULL);
INSERT INTO episode VALUES (5, 4, 5, 'EP-L', '2024-02-29', 'N', '3', '1', '11', 'N');
INSERT INTO episode VALUES (6, 5, 6, 'H-77', '2026-05-06', 'C', '1', '9', '14', NULL);
INSERT INTO episode VALUES (7, 6, 7, 'EP-7', '2025-12-03', 'N', '3', '15', '14', NULL);
INSERT INTO episode VALUES (8, 6, 8, 'EP-8', '2026-06-30', 'N', '3', '15', '14', NULL);
INSERT INTO episode VALUES (9, 6, 9, 'EP-6', '2026-01-06', 'N', '3', '15', '14', NULL);
INSERT INTO episode VALUES (10, 7, 10, 'EP-9', '2026-03-02', 'N', '3', '5', '12', 'N');
INSERT INTO episode VALUES (11, 6, 11, 'EP-3', '2025-05-02', 'N', '3', '15', '14', NULL);

INSERT INTO problem_substance VALUES (1, 1, '1011', '1');
INSERT INTO problem_substance VALUES (1, 2, '3201', NULL);
INSERT INTO problem_substance VALUES (2, 1, '1011', '3');
INSERT INTO problem_substance VALUES (3, 1, '1011', '3');
INSERT INTO problem_substance VALUES (4, 1, '3201', '3');
INSERT INTO problem_substance VALUES (4, 2, '5000', NULL);
INSERT INTO problem_substance VALUES (5, 1, '7000', NULL);
INSERT INTO problem_substance VALUES (6, 1, '1011', '1');
INSERT INTO problem_substance VALUES (7, 1, '3201', '3');
INSERT INTO problem_substance VALUES (8, 1, '3201', '3');
INSERT INTO problem_substance VALUES (9, 1, '3201', '3');
INSERT INTO problem_substance VALUES (10, 1, '7000', NULL);
INSERT INTO problem_substance VALUES (11, 1, '3201', '3');

INSERT INTO cj_requirement VALUES (3, '3');
INSERT INTO prison_release VALUES (3, '2026-06-30');

INSERT INTO discharge VALUES (1, '2026-04-10', '81');
INSERT INTO discharge VALUES (5, '2025-03-31', '81');
INSERT INTO discharge VALUES (7, '2026-04-01', '80');
INSERT INTO discharge VALUES (9, '2026-03-31', '80');
INSERT INTO discharge VALUES (11, '2025-06-30', '80');

INSERT INTO intervention VALUES (1, 1, 'M1', '94', '1', '2026-02-15', '2026-02-17', '2026-04-10', 'A');
INSERT INTO intervention VALUES (2, 1, 'M2', '95', '1', '2026-02-15', '2026-02-20', '2026-04-01', 'A');
INSERT INTO intervention VALUES (3, 2, 'M1', '94', '1', '2026-06-03', '2026-06-05', NULL, NULL);
INSERT INTO intervention VALUES (4, 3, 'M1', '94', '1', '2026-07-02', '2026-07-08', NULL, NULL);
INSERT INTO intervention VALUES (5, 5, 'M1', '95', '1', '2024-02-29', '2024-03-04', '2025-03-31', 'A');
INSERT INTO intervention VALUES (6, 6, 'M1', '97', '1', '2026-05-06', '2026-05-13', NULL, NULL);
INSERT INTO intervention VALUES (7, 7, 'M1', '95', '1', '2025-12-03', '2025-12-05', '2026-04-01', 'A');
INSERT INTO intervention VALUES (8, 8, 'M1', '95', '1', '2026-06-30', '2026-07-01', NULL, NULL);
INSERT INTO intervention VALUES (9, 9, 'M1', '95', '1', '2026-01-06', '2026-01-08', '2026-03-31', 'A');
INSERT INTO intervention VALUES (10, 10, NULL, '96', '1', '2026-03-02', '2026-03-09', NULL, NULL);
INSERT INTO intervention VALUES (11, 10, NULL, '95', '1', '2026-03-02', '2026-03-03', NULL, NULL);
INSERT INTO intervention VALUES (12, 11, 'M1', '95', '1', '2025-05-02', '2025-05-04', '2025-06-30', 'A');
