-- The case-management schema ndx reads: what a provider's system holds,
-- normalised the way such systems are (people, their addresses, referrals,
-- treatment episodes, substances, criminal-justice links, discharges,
-- interventions), not a copy of the NDTMS CSV layout.
--
-- One file serves SQLite and PostgreSQL: types are those both accept,
-- dates are DATE (ISO text in SQLite), codes are TEXT because systems
-- store what staff typed, including mistakes the validator must catch.

CREATE TABLE agency (
    agency_code   TEXT PRIMARY KEY,          -- NDTMS agency code (AGNCY)
    name          TEXT NOT NULL
);

CREATE TABLE client (
    client_id     INTEGER PRIMARY KEY,       -- the system's own key
    agency_code   TEXT NOT NULL REFERENCES agency (agency_code),
    client_ref    TEXT NOT NULL,             -- shown to staff (CLIENTID)
    first_name    TEXT,
    surname       TEXT,
    date_of_birth DATE,
    sex           TEXT,                      -- M F X Z
    ethnicity     TEXT,
    nationality   TEXT,                      -- ISO 3166 alpha-3
    ndtms_consent TEXT,                      -- Y / N
    UNIQUE (agency_code, client_ref)
);

-- Addresses over time; the one in force at triage is reported.
CREATE TABLE address (
    address_id    INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES client (client_id),
    valid_from    DATE NOT NULL,
    postcode      TEXT,
    no_fixed_abode INTEGER NOT NULL DEFAULT 0, -- 1: reported as ZZ99 3VZ
    la_code       TEXT                       -- ONS local authority code
);

CREATE TABLE referral (
    referral_id   INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES client (client_id),
    referral_date DATE,
    source_code   TEXT                       -- RFLS
);

CREATE TABLE episode (
    episode_id    INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES client (client_id),
    referral_id   INTEGER REFERENCES referral (referral_id),
    episode_ref   TEXT NOT NULL,             -- EPISODID
    triage_date   DATE,
    injecting_status   TEXT,
    accommodation_need TEXT,
    employment_status  TEXT,
    parental_status    TEXT,
    pregnant      TEXT                       -- Y / N / NULL
);

-- Problem substances in order of importance (rank 1 is DRUG1).
CREATE TABLE problem_substance (
    episode_id    INTEGER NOT NULL REFERENCES episode (episode_id),
    rank          INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 3),
    substance_code TEXT NOT NULL,
    route_code    TEXT,                      -- recorded for rank 1
    PRIMARY KEY (episode_id, rank)
);

-- A court order or licence condition that brought the client in.
CREATE TABLE cj_requirement (
    episode_id    INTEGER PRIMARY KEY REFERENCES episode (episode_id),
    requirement_code TEXT NOT NULL           -- 1 DRR, 2 ATR, 3 licence, 4 diversion
);

CREATE TABLE prison_release (
    episode_id    INTEGER PRIMARY KEY REFERENCES episode (episode_id),
    release_date  DATE NOT NULL
);

CREATE TABLE discharge (
    episode_id    INTEGER PRIMARY KEY REFERENCES episode (episode_id),
    discharge_date DATE,
    reason_code   TEXT
);

CREATE TABLE intervention (
    intervention_id INTEGER PRIMARY KEY,
    episode_id    INTEGER NOT NULL REFERENCES episode (episode_id),
    intervention_ref TEXT,                   -- MODID
    type_code     TEXT,                      -- MODAL
    setting_code  TEXT,                      -- MODSET
    referred_date DATE,
    start_date    DATE,
    end_date      DATE,
    exit_code     TEXT
);

CREATE INDEX client_agency ON client (agency_code, client_ref);
CREATE INDEX address_client ON address (client_id, valid_from);
CREATE INDEX episode_client ON episode (client_id);
CREATE INDEX intervention_episode ON intervention (episode_id);
