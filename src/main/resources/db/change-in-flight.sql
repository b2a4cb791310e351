-- A change message (HFJ_RESOURCE_MODIFIED) HAPI handed to a replica's in-memory matching queue, kept from then until
-- the matcher has checked it against every Subscription. One whose replica died goes back to HAPI's table.
CREATE TABLE IF NOT EXISTS infusion_change_in_flight (
    res_id VARCHAR(256) NOT NULL,
    res_ver VARCHAR(8) NOT NULL,
    resource_type VARCHAR(100) NOT NULL,
    summary_message VARCHAR(4000) NOT NULL,
    created_time TIMESTAMP NOT NULL,
    replica VARCHAR(200) NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (res_id, res_ver, resource_type)
);
