-- One database per service (docker-compose.yml runs this once, on an empty volume).
CREATE DATABASE lgv_referrals;
CREATE DATABASE lgv_matching;
CREATE DATABASE lgv_followup;
