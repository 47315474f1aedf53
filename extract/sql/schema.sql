-- The case-management schema ndx reads: what a provider's system holds,
-- normalised the way such systems are (people, their addresses, referrals,
-- treatment episodes, substances, criminal-justice links, discharges,
-- interventions), not a copy of the NDTMS CSV layout.
--
-- One file serves SQLite, PostgreSQL and MariaDB (and SQL Server, whose
-- dialect it keeps to): types are those all accept, dates are DATE (ISO
-- text in SQLite), codes are VARCHAR text because systems store what
-- staff typed, including mistakes the validator must catch.  VARCHAR, not
-- TEXT: MariaDB and SQL Server cannot key or index a TEXT column.

CREATE TABLE agency (
    agency_code   VARCHAR(64) PRIMARY KEY,   -- NDTMS agency code (AGNCY)
    name          VARCHAR(200) NOT NULL
);

CREATE TABLE client (
    client_id     INTEGER PRIMARY KEY,       -- the system's own key
    agency_code   VARCHAR(64) NOT NULL REFERENCES agency (agency_code),
    client_ref    VARCHAR(64) NOT NULL,      -- shown to staff (CLIENTID)
    first_name    VARCHAR(100),
    surname       VARCHAR(100),
    date_of_birth DATE,
    sex           VARCHAR(64),               -- M F X Z
    ethnicity     VARCHAR(64),
    nationality   VARCHAR(64),               -- ISO 3166 alpha-3
    ndtms_consent VARCHAR(64),               -- Y / N
    UNIQUE (agency_code, client_ref)
);

-- Addresses over time; the one in force at triage is reported.
CREATE TABLE address (
    address_id    INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES client (client_id),
    valid_from    DATE NOT NULL,
    postcode      VARCHAR(64),
    no_fixed_abode INTEGER NOT NULL DEFAULT 0, -- 1: reported as ZZ99 3VZ
    la_code       VARCHAR(64)                -- ONS local authority code
);

CREATE TABLE referral (
    referral_id   INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES client (client_id),
    referral_date DATE,
    source_code   VARCHAR(64)                -- RFLS
);

CREATE TABLE episode (
    episode_id    INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES client (client_id),
    referral_id   INTEGER REFERENCES referral (referral_id),
    episode_ref   VARCHAR(64) NOT NULL,      -- EPISODID
    triage_date   DATE,
    injecting_status   VARCHAR(64),
    accommodation_need VARCHAR(64),
    employment_status  VARCHAR(64),
    parental_status    VARCHAR(64),
    pregnant      VARCHAR(64)                -- Y / N / NULL
);

-- Problem substances in order of importance (rank 1 is DRUG1).
CREATE TABLE problem_substance (
    episode_id    INTEGER NOT NULL REFERENCES episode (episode_id),
    rank          INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 3),
    substance_code VARCHAR(64) NOT NULL,
    route_code    VARCHAR(64),               -- recorded for rank 1
    PRIMARY KEY (episode_id, rank)
);

-- A court order or licence condition that brought the client in.
CREATE TABLE cj_requirement (
    episode_id    INTEGER PRIMARY KEY REFERENCES episode (episode_id),
    requirement_code VARCHAR(64) NOT NULL    -- 1 DRR, 2 ATR, 3 licence, 4 diversion
);

CREATE TABLE prison_release (
    episode_id    INTEGER PRIMARY KEY REFERENCES episode (episode_id),
    release_date  DATE NOT NULL
);

CREATE TABLE discharge (
    episode_id    INTEGER PRIMARY KEY REFERENCES episode (episode_id),
    discharge_date DATE,
    reason_code   VARCHAR(64)
);

CREATE TABLE intervention (
    intervention_id INTEGER PRIMARY KEY,
    episode_id    INTEGER NOT NULL REFERENCES episode (episode_id),
    intervention_ref VARCHAR(64),            -- MODID
    type_code     VARCHAR(64),               -- MODAL
    setting_code  VARCHAR(64),               -- MODSET
    referred_date DATE,
    start_date    DATE,
    end_date      DATE,
    exit_code     VARCHAR(64)
);

-- A Treatment Outcomes Profile interview (dataset version 2): the 28 days
-- before it, at the start of treatment, at reviews and at exit.  A count
-- of days or units not asked (or not disclosed) is NULL, never 0.
CREATE TABLE top_interview (
    top_id        INTEGER PRIMARY KEY,
    episode_id    INTEGER NOT NULL REFERENCES episode (episode_id),
    top_ref       VARCHAR(64),               -- TOPID
    interview_date DATE,
    stage         VARCHAR(64),               -- TRSTAGE: S, R, E or P
    alcohol_days  INTEGER,
    alcohol_units INTEGER,
    opiate_days   INTEGER,
    crack_days    INTEGER,
    cocaine_days  INTEGER,
    amphetamine_days INTEGER,
    cannabis_days INTEGER,
    other_drug_days INTEGER,
    injecting_days INTEGER,
    shared_equipment VARCHAR(64),            -- Y/N
    shoplifting_days INTEGER,
    drug_selling_days INTEGER,
    other_theft   VARCHAR(64),
    assault       VARCHAR(64),
    psych_health  INTEGER,                   -- 0 poor .. 20 good
    phys_health   INTEGER,
    quality_of_life INTEGER,
    paid_work_days INTEGER,
    education_days INTEGER,
    acute_housing VARCHAR(64),
    eviction_risk VARCHAR(64)
);

CREATE INDEX client_agency ON client (agency_code, client_ref);
CREATE INDEX address_client ON address (client_id, valid_from);
CREATE INDEX episode_client ON episode (client_id);
CREATE INDEX intervention_episode ON intervention (episode_id);
CREATE INDEX top_interview_episode ON top_interview (episode_id);
