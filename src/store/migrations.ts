// The schema's history: numbered steps applied in order. Never edit a shipped entry; append a new one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "settings and node boots",
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE node_boots (
        id         INTEGER PRIMARY KEY,
        node       TEXT NOT NULL,
        started_at TEXT NOT NULL,
        runtime    TEXT NOT NULL
      );
      CREATE INDEX node_boots_node ON node_boots(node);
    `,
  },  {
    version: 2,
    name: "images, volumes, instances and tags",
    // Booleans are INTEGER 0/1, times ISO-8601 TEXT (sorts in time order); a reservation is an id on its instances.
    sql: `
      CREATE TABLE images (
        id               TEXT PRIMARY KEY,
        name             TEXT NOT NULL,
        description      TEXT,
        state            TEXT NOT NULL,
        architecture     TEXT NOT NULL,
        root_device_name TEXT NOT NULL,
        size_bytes       INTEGER NOT NULL,
        file             TEXT NOT NULL,
        source           TEXT,
        node             TEXT NOT NULL,
        owner_id         TEXT NOT NULL,
        created_at       TEXT NOT NULL
      );
      CREATE UNIQUE INDEX images_live_name ON images(name) WHERE state != 'deregistered';

      CREATE TABLE volumes (
        id                    TEXT PRIMARY KEY,
        size_gib              INTEGER NOT NULL,
        volume_type           TEXT NOT NULL,
        state                 TEXT NOT NULL,
        az                    TEXT NOT NULL,
        node                  TEXT NOT NULL,
        file                  TEXT NOT NULL,
        image_id              TEXT,
        snapshot_id           TEXT,
        created_at            TEXT NOT NULL,
        instance_id           TEXT,
        device                TEXT,
        attach_time           TEXT,
        delete_on_termination INTEGER NOT NULL CHECK (delete_on_termination IN (0, 1))
      );
      CREATE INDEX volumes_instance ON volumes(instance_id);
      CREATE INDEX volumes_image ON volumes(image_id);

      CREATE TABLE instances (
        id                      TEXT PRIMARY KEY,
        reservation_id          TEXT NOT NULL,
        owner_id                TEXT NOT NULL,
        requester_id            TEXT,
        image_id                TEXT NOT NULL,
        instance_type           TEXT NOT NULL,
        state                   TEXT NOT NULL,
        state_reason_code       TEXT,
        state_reason_message    TEXT,
        state_transition_reason TEXT,
        key_name                TEXT,
        user_data               TEXT,
        launch_time             TEXT NOT NULL,
        az                      TEXT NOT NULL,
        node                    TEXT NOT NULL,
        vcpus                   INTEGER NOT NULL,
        memory_mib              INTEGER NOT NULL,
        shutdown_behavior       TEXT NOT NULL,
        disable_api_termination INTEGER NOT NULL CHECK (disable_api_termination IN (0, 1)),
        root_volume_id          TEXT,
        root_device_name        TEXT NOT NULL,
        ami_launch_index        INTEGER NOT NULL,
        client_token            TEXT,
        pid                     INTEGER,
        terminated_at           TEXT,
        updated_at              TEXT NOT NULL
      );
      -- (state, terminated_at) serves both the by-state lookups and the purge of old terminated rows.
      CREATE INDEX instances_state ON instances(state, terminated_at);
      CREATE INDEX instances_client_token ON instances(client_token) WHERE client_token IS NOT NULL;

      CREATE TABLE tags (
        resource_id   TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        key           TEXT NOT NULL,
        value         TEXT NOT NULL,
        PRIMARY KEY (resource_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX tags_key_value ON tags(key, value);
    `,
  },
  {
    version: 3,
    name: "key pairs",
    // Only the public half is kept; names are unique and compared case-sensitively, as EC2 does.
    sql: `
      CREATE TABLE key_pairs (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        key_type    TEXT NOT NULL CHECK (key_type IN ('rsa', 'ed25519')),
        fingerprint TEXT NOT NULL,
        public_key  TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: "instance metadata options",
    // NULL means EC2's default (tokens optional, endpoint enabled, hop limit 1), so older rows need no backfill.
    sql: `
      ALTER TABLE instances ADD COLUMN metadata_http_tokens TEXT;
      ALTER TABLE instances ADD COLUMN metadata_http_endpoint TEXT;
      ALTER TABLE instances ADD COLUMN metadata_hop_limit INTEGER;
    `,
  },
  {
    version: 5,
    name: "instance private addresses",
    // Bridge networking hands each instance an address of its own; NULL in user-mode networking and once terminated.
    sql: `
      ALTER TABLE instances ADD COLUMN private_ip TEXT;
    `,
  },
  {
    version: 6,
    name: "instances by reservation",
    // DescribeInstances pages by reservation: a page is a range of this index, not a scan of every row.
    sql: `
      CREATE INDEX instances_reservation ON instances(reservation_id, id);
    `,
  },
  {
    version: 7,
    name: "reserved ssh-port tag",
    // The SSH forward was a user-visible tag that tools purging tags deleted; it is a reserved aws: tag now.
    sql: `
      UPDATE tags SET key = 'aws:hive:ssh-port' WHERE key = 'hive:ssh-port';
    `,
  },
  {
    version: 8,
    name: "the EC2 network model",
    // Region-wide resources (one day replicated across boxes, kept apart from per-box instances): VPCs and their
    // CIDR blocks, subnets, route tables, internet gateways, DHCP options, security groups, network interfaces
    // and Elastic IPs. An instance's network is its primary interface (device index 0).
    sql: `
      CREATE TABLE dhcp_options (
        id                  TEXT PRIMARY KEY,
        domain_name         TEXT,
        domain_name_servers TEXT NOT NULL,
        created_at          TEXT NOT NULL
      );
      CREATE TABLE vpcs (
        id              TEXT PRIMARY KEY,
        cidr            TEXT NOT NULL,
        is_default      INTEGER NOT NULL DEFAULT 0,
        dhcp_options_id TEXT REFERENCES dhcp_options(id),
        dns_support     INTEGER NOT NULL DEFAULT 1,
        dns_hostnames   INTEGER NOT NULL DEFAULT 0,
        tenancy         TEXT NOT NULL DEFAULT 'default',
        net_index       INTEGER NOT NULL UNIQUE,
        created_at      TEXT NOT NULL
      );
      CREATE TABLE vpc_cidr_blocks (
        association_id TEXT PRIMARY KEY,
        vpc_id         TEXT NOT NULL REFERENCES vpcs(id) ON DELETE CASCADE,
        cidr           TEXT NOT NULL,
        is_primary     INTEGER NOT NULL DEFAULT 0,
        UNIQUE (vpc_id, cidr)
      );
      CREATE TABLE subnets (
        id             TEXT PRIMARY KEY,
        vpc_id         TEXT NOT NULL REFERENCES vpcs(id),
        cidr           TEXT NOT NULL,
        az             TEXT NOT NULL,
        default_for_az INTEGER NOT NULL DEFAULT 0,
        map_public_ip  INTEGER NOT NULL DEFAULT 0,
        hostname_type  TEXT NOT NULL DEFAULT 'ip-name',
        dns_a_record   INTEGER NOT NULL DEFAULT 0,
        created_at     TEXT NOT NULL
      );
      CREATE INDEX subnets_vpc ON subnets(vpc_id);
      CREATE TABLE internet_gateways (
        id         TEXT PRIMARY KEY,
        vpc_id     TEXT REFERENCES vpcs(id),
        created_at TEXT NOT NULL
      );
      CREATE TABLE route_tables (
        id         TEXT PRIMARY KEY,
        vpc_id     TEXT NOT NULL REFERENCES vpcs(id),
        created_at TEXT NOT NULL
      );
      CREATE TABLE routes (
        route_table_id TEXT NOT NULL REFERENCES route_tables(id) ON DELETE CASCADE,
        destination    TEXT NOT NULL,
        gateway_id     TEXT NOT NULL,
        origin         TEXT NOT NULL,
        PRIMARY KEY (route_table_id, destination)
      ) WITHOUT ROWID;
      CREATE TABLE route_table_associations (
        id             TEXT PRIMARY KEY,
        route_table_id TEXT NOT NULL REFERENCES route_tables(id),
        subnet_id      TEXT UNIQUE REFERENCES subnets(id),
        is_main        INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE security_groups (
        id          TEXT PRIMARY KEY,
        vpc_id      TEXT NOT NULL REFERENCES vpcs(id),
        name        TEXT NOT NULL,
        description TEXT NOT NULL,
        is_default  INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL,
        UNIQUE (vpc_id, name)
      );
      CREATE TABLE security_group_rules (
        id                  TEXT PRIMARY KEY,
        group_id            TEXT NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
        is_egress           INTEGER NOT NULL,
        protocol            TEXT NOT NULL,
        from_port           INTEGER,
        to_port             INTEGER,
        cidr_ipv4           TEXT,
        cidr_ipv6           TEXT,
        referenced_group_id TEXT REFERENCES security_groups(id),
        description         TEXT
      );
      CREATE INDEX security_group_rules_group ON security_group_rules(group_id);
      CREATE TABLE network_interfaces (
        id                    TEXT PRIMARY KEY,
        subnet_id             TEXT NOT NULL REFERENCES subnets(id),
        vpc_id                TEXT NOT NULL REFERENCES vpcs(id),
        az                    TEXT NOT NULL,
        mac                   TEXT NOT NULL UNIQUE,
        private_ip            TEXT NOT NULL,
        description           TEXT NOT NULL DEFAULT '',
        source_dest_check     INTEGER NOT NULL DEFAULT 1,
        interface_type        TEXT NOT NULL DEFAULT 'interface',
        instance_id           TEXT,
        device_index          INTEGER,
        attachment_id         TEXT,
        attach_time           TEXT,
        delete_on_termination INTEGER,
        node                  TEXT,
        created_at            TEXT NOT NULL,
        UNIQUE (subnet_id, private_ip),
        UNIQUE (instance_id, device_index)
      );
      CREATE TABLE network_interface_groups (
        interface_id TEXT NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
        group_id     TEXT NOT NULL REFERENCES security_groups(id),
        position     INTEGER NOT NULL,
        PRIMARY KEY (interface_id, group_id)
      ) WITHOUT ROWID;
      CREATE INDEX network_interface_groups_group ON network_interface_groups(group_id);
      CREATE TABLE addresses (
        allocation_id        TEXT PRIMARY KEY,
        public_ip            TEXT NOT NULL UNIQUE,
        association_id       TEXT UNIQUE,
        network_interface_id TEXT REFERENCES network_interfaces(id),
        private_ip           TEXT,
        created_at           TEXT NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: "EBS: volume attachments and performance, modifications, snapshots, AMIs on snapshots",
    // Volumes and snapshots are this box's (their files are here); a snapshot's file may be an AMI's file, and
    // a file goes only when no image, snapshot or volume row still needs it.
    sql: `
      ALTER TABLE volumes ADD COLUMN iops INTEGER;
      ALTER TABLE volumes ADD COLUMN throughput INTEGER;
      ALTER TABLE volumes ADD COLUMN attach_state TEXT;
      ALTER TABLE volumes ADD COLUMN client_token TEXT;
      ALTER TABLE volumes ADD COLUMN auto_enable_io INTEGER;
      CREATE INDEX volumes_snapshot ON volumes(snapshot_id);
      CREATE UNIQUE INDEX volumes_client_token ON volumes(client_token) WHERE client_token IS NOT NULL;

      CREATE TABLE volume_modifications (
        volume_id           TEXT PRIMARY KEY,
        state               TEXT NOT NULL,
        status_message      TEXT,
        progress            INTEGER NOT NULL,
        original_size_gib   INTEGER NOT NULL,
        original_type       TEXT NOT NULL,
        original_iops       INTEGER,
        original_throughput INTEGER,
        target_size_gib     INTEGER NOT NULL,
        target_type         TEXT NOT NULL,
        target_iops         INTEGER,
        target_throughput   INTEGER,
        start_time          TEXT NOT NULL,
        end_time            TEXT
      ) WITHOUT ROWID;

      CREATE TABLE snapshots (
        id                 TEXT PRIMARY KEY,
        volume_id          TEXT NOT NULL,
        volume_size_gib    INTEGER NOT NULL,
        state              TEXT NOT NULL,
        state_message      TEXT,
        progress           INTEGER NOT NULL,
        description        TEXT NOT NULL DEFAULT '',
        file               TEXT NOT NULL,
        allocated_bytes    INTEGER,
        source_snapshot_id TEXT,
        client_token       TEXT,
        node               TEXT NOT NULL,
        owner_id           TEXT NOT NULL,
        created_at         TEXT NOT NULL
      );
      CREATE INDEX snapshots_file ON snapshots(file);
      CREATE INDEX snapshots_volume ON snapshots(volume_id);
      CREATE UNIQUE INDEX snapshots_client_token ON snapshots(client_token) WHERE client_token IS NOT NULL;

      ALTER TABLE images ADD COLUMN snapshot_id TEXT;
      CREATE TABLE image_block_devices (
        image_id              TEXT NOT NULL REFERENCES images(id),
        device_name           TEXT NOT NULL,
        snapshot_id           TEXT,
        volume_size_gib       INTEGER NOT NULL,
        volume_type           TEXT NOT NULL,
        iops                  INTEGER,
        throughput            INTEGER,
        delete_on_termination INTEGER NOT NULL CHECK (delete_on_termination IN (0, 1)),
        PRIMARY KEY (image_id, device_name)
      ) WITHOUT ROWID;
      CREATE INDEX image_block_devices_snapshot ON image_block_devices(snapshot_id);
    `,
  },
  {
    version: 10,
    name: "region change log",
    // Region rows changed here are queued by key in region_outbox for publishing to the other boxes; while remote
    // changes are applied (region_apply_guard.active = 1) nothing is queued. Rows whose parent has not arrived yet
    // wait in region_parked. Triggers written by scripts/region-triggers.ts from REGION_TABLES (src/store/region-tables.ts).
    sql: `
      CREATE TABLE region_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tbl TEXT NOT NULL,
        pk  TEXT NOT NULL -- JSON array of the primary key's values
      );
      CREATE TABLE region_apply_guard (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        active INTEGER NOT NULL CHECK (active IN (0, 1))
      );
      INSERT INTO region_apply_guard (id, active) VALUES (1, 0);
      CREATE TABLE region_parked (
        tbl    TEXT NOT NULL,
        pk     TEXT NOT NULL,
        row    TEXT NOT NULL, -- JSON object, every column by name
        reason TEXT NOT NULL,
        PRIMARY KEY (tbl, pk)
      ) WITHOUT ROWID;

      CREATE TRIGGER region_dhcp_options_insert AFTER INSERT ON dhcp_options
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('dhcp_options', json_array(NEW.id));
      END;
      CREATE TRIGGER region_dhcp_options_update AFTER UPDATE ON dhcp_options
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'dhcp_options', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('dhcp_options', json_array(NEW.id));
      END;
      CREATE TRIGGER region_dhcp_options_delete AFTER DELETE ON dhcp_options
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('dhcp_options', json_array(OLD.id));
      END;
      CREATE TRIGGER region_vpcs_insert AFTER INSERT ON vpcs
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('vpcs', json_array(NEW.id));
      END;
      CREATE TRIGGER region_vpcs_update AFTER UPDATE ON vpcs
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'vpcs', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('vpcs', json_array(NEW.id));
      END;
      CREATE TRIGGER region_vpcs_delete AFTER DELETE ON vpcs
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('vpcs', json_array(OLD.id));
      END;
      CREATE TRIGGER region_vpc_cidr_blocks_insert AFTER INSERT ON vpc_cidr_blocks
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('vpc_cidr_blocks', json_array(NEW.association_id));
      END;
      CREATE TRIGGER region_vpc_cidr_blocks_update AFTER UPDATE ON vpc_cidr_blocks
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'vpc_cidr_blocks', json_array(OLD.association_id) WHERE (OLD.association_id IS NOT NEW.association_id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('vpc_cidr_blocks', json_array(NEW.association_id));
      END;
      CREATE TRIGGER region_vpc_cidr_blocks_delete AFTER DELETE ON vpc_cidr_blocks
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('vpc_cidr_blocks', json_array(OLD.association_id));
      END;
      CREATE TRIGGER region_subnets_insert AFTER INSERT ON subnets
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('subnets', json_array(NEW.id));
      END;
      CREATE TRIGGER region_subnets_update AFTER UPDATE ON subnets
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'subnets', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('subnets', json_array(NEW.id));
      END;
      CREATE TRIGGER region_subnets_delete AFTER DELETE ON subnets
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('subnets', json_array(OLD.id));
      END;
      CREATE TRIGGER region_internet_gateways_insert AFTER INSERT ON internet_gateways
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('internet_gateways', json_array(NEW.id));
      END;
      CREATE TRIGGER region_internet_gateways_update AFTER UPDATE ON internet_gateways
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'internet_gateways', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('internet_gateways', json_array(NEW.id));
      END;
      CREATE TRIGGER region_internet_gateways_delete AFTER DELETE ON internet_gateways
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('internet_gateways', json_array(OLD.id));
      END;
      CREATE TRIGGER region_route_tables_insert AFTER INSERT ON route_tables
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('route_tables', json_array(NEW.id));
      END;
      CREATE TRIGGER region_route_tables_update AFTER UPDATE ON route_tables
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'route_tables', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('route_tables', json_array(NEW.id));
      END;
      CREATE TRIGGER region_route_tables_delete AFTER DELETE ON route_tables
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('route_tables', json_array(OLD.id));
      END;
      CREATE TRIGGER region_routes_insert AFTER INSERT ON routes
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('routes', json_array(NEW.route_table_id, NEW.destination));
      END;
      CREATE TRIGGER region_routes_update AFTER UPDATE ON routes
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'routes', json_array(OLD.route_table_id, OLD.destination) WHERE (OLD.route_table_id IS NOT NEW.route_table_id OR OLD.destination IS NOT NEW.destination);
        INSERT INTO region_outbox (tbl, pk) VALUES ('routes', json_array(NEW.route_table_id, NEW.destination));
      END;
      CREATE TRIGGER region_routes_delete AFTER DELETE ON routes
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('routes', json_array(OLD.route_table_id, OLD.destination));
      END;
      CREATE TRIGGER region_route_table_associations_insert AFTER INSERT ON route_table_associations
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('route_table_associations', json_array(NEW.id));
      END;
      CREATE TRIGGER region_route_table_associations_update AFTER UPDATE ON route_table_associations
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'route_table_associations', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('route_table_associations', json_array(NEW.id));
      END;
      CREATE TRIGGER region_route_table_associations_delete AFTER DELETE ON route_table_associations
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('route_table_associations', json_array(OLD.id));
      END;
      CREATE TRIGGER region_security_groups_insert AFTER INSERT ON security_groups
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('security_groups', json_array(NEW.id));
      END;
      CREATE TRIGGER region_security_groups_update AFTER UPDATE ON security_groups
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'security_groups', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('security_groups', json_array(NEW.id));
      END;
      CREATE TRIGGER region_security_groups_delete AFTER DELETE ON security_groups
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('security_groups', json_array(OLD.id));
      END;
      CREATE TRIGGER region_security_group_rules_insert AFTER INSERT ON security_group_rules
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('security_group_rules', json_array(NEW.id));
      END;
      CREATE TRIGGER region_security_group_rules_update AFTER UPDATE ON security_group_rules
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'security_group_rules', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('security_group_rules', json_array(NEW.id));
      END;
      CREATE TRIGGER region_security_group_rules_delete AFTER DELETE ON security_group_rules
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('security_group_rules', json_array(OLD.id));
      END;
      CREATE TRIGGER region_network_interfaces_insert AFTER INSERT ON network_interfaces
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('network_interfaces', json_array(NEW.id));
      END;
      CREATE TRIGGER region_network_interfaces_update AFTER UPDATE ON network_interfaces
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'network_interfaces', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('network_interfaces', json_array(NEW.id));
      END;
      CREATE TRIGGER region_network_interfaces_delete AFTER DELETE ON network_interfaces
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('network_interfaces', json_array(OLD.id));
      END;
      CREATE TRIGGER region_network_interface_groups_insert AFTER INSERT ON network_interface_groups
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('network_interface_groups', json_array(NEW.interface_id, NEW.group_id));
      END;
      CREATE TRIGGER region_network_interface_groups_update AFTER UPDATE ON network_interface_groups
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'network_interface_groups', json_array(OLD.interface_id, OLD.group_id) WHERE (OLD.interface_id IS NOT NEW.interface_id OR OLD.group_id IS NOT NEW.group_id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('network_interface_groups', json_array(NEW.interface_id, NEW.group_id));
      END;
      CREATE TRIGGER region_network_interface_groups_delete AFTER DELETE ON network_interface_groups
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('network_interface_groups', json_array(OLD.interface_id, OLD.group_id));
      END;
      CREATE TRIGGER region_addresses_insert AFTER INSERT ON addresses
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('addresses', json_array(NEW.allocation_id));
      END;
      CREATE TRIGGER region_addresses_update AFTER UPDATE ON addresses
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'addresses', json_array(OLD.allocation_id) WHERE (OLD.allocation_id IS NOT NEW.allocation_id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('addresses', json_array(NEW.allocation_id));
      END;
      CREATE TRIGGER region_addresses_delete AFTER DELETE ON addresses
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('addresses', json_array(OLD.allocation_id));
      END;
      CREATE TRIGGER region_key_pairs_insert AFTER INSERT ON key_pairs
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('key_pairs', json_array(NEW.id));
      END;
      CREATE TRIGGER region_key_pairs_update AFTER UPDATE ON key_pairs
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'key_pairs', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('key_pairs', json_array(NEW.id));
      END;
      CREATE TRIGGER region_key_pairs_delete AFTER DELETE ON key_pairs
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('key_pairs', json_array(OLD.id));
      END;
      CREATE TRIGGER region_images_insert AFTER INSERT ON images
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('images', json_array(NEW.id));
      END;
      CREATE TRIGGER region_images_update AFTER UPDATE ON images
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'images', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('images', json_array(NEW.id));
      END;
      CREATE TRIGGER region_images_delete AFTER DELETE ON images
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('images', json_array(OLD.id));
      END;
      CREATE TRIGGER region_image_block_devices_insert AFTER INSERT ON image_block_devices
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_block_devices', json_array(NEW.image_id, NEW.device_name));
      END;
      CREATE TRIGGER region_image_block_devices_update AFTER UPDATE ON image_block_devices
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'image_block_devices', json_array(OLD.image_id, OLD.device_name) WHERE (OLD.image_id IS NOT NEW.image_id OR OLD.device_name IS NOT NEW.device_name);
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_block_devices', json_array(NEW.image_id, NEW.device_name));
      END;
      CREATE TRIGGER region_image_block_devices_delete AFTER DELETE ON image_block_devices
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_block_devices', json_array(OLD.image_id, OLD.device_name));
      END;
      CREATE TRIGGER region_tags_insert AFTER INSERT ON tags
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1) AND NEW.resource_id NOT GLOB 'i-*' AND NEW.resource_id NOT GLOB 'r-*' AND NEW.resource_id NOT GLOB 'vol-*' AND NEW.resource_id NOT GLOB 'snap-*'
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('tags', json_array(NEW.resource_id, NEW.key));
      END;
      CREATE TRIGGER region_tags_update AFTER UPDATE ON tags
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'tags', json_array(OLD.resource_id, OLD.key) WHERE (OLD.resource_id IS NOT NEW.resource_id OR OLD.key IS NOT NEW.key) AND OLD.resource_id NOT GLOB 'i-*' AND OLD.resource_id NOT GLOB 'r-*' AND OLD.resource_id NOT GLOB 'vol-*' AND OLD.resource_id NOT GLOB 'snap-*';
        INSERT INTO region_outbox (tbl, pk) SELECT 'tags', json_array(NEW.resource_id, NEW.key) WHERE NEW.resource_id NOT GLOB 'i-*' AND NEW.resource_id NOT GLOB 'r-*' AND NEW.resource_id NOT GLOB 'vol-*' AND NEW.resource_id NOT GLOB 'snap-*';
      END;
      CREATE TRIGGER region_tags_delete AFTER DELETE ON tags
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1) AND OLD.resource_id NOT GLOB 'i-*' AND OLD.resource_id NOT GLOB 'r-*' AND OLD.resource_id NOT GLOB 'vol-*' AND OLD.resource_id NOT GLOB 'snap-*'
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('tags', json_array(OLD.resource_id, OLD.key));
      END;
    `,
  },
  {
    version: 11,
    name: "cluster members",
    // The region's boxes, one zone each; a region table, so the region log carries it to every box.
    sql: `
      CREATE TABLE members (
        node      TEXT PRIMARY KEY,
        az        TEXT NOT NULL UNIQUE,
        az_id     TEXT NOT NULL,
        role      TEXT NOT NULL CHECK (role IN ('hub', 'member')),
        joined_at TEXT NOT NULL
      );
      CREATE TRIGGER region_members_insert AFTER INSERT ON members
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('members', json_array(NEW.node));
      END;
      CREATE TRIGGER region_members_update AFTER UPDATE ON members
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'members', json_array(OLD.node) WHERE (OLD.node IS NOT NEW.node);
        INSERT INTO region_outbox (tbl, pk) VALUES ('members', json_array(NEW.node));
      END;
      CREATE TRIGGER region_members_delete AFTER DELETE ON members
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('members', json_array(OLD.node));
      END;
    `,
  },
  {
    version: 12,
    name: "image launch permissions and launches; instance stop protection and CPU credits",
    // Launch permissions and each box's last launch of an image are the region's (with the images); an instance's
    // stop protection and credit option are its box's. NULL: not protected, and the type's default credit option.
    sql: `
      CREATE TABLE image_launch_permissions (
        image_id     TEXT NOT NULL REFERENCES images(id),
        grantee_type TEXT NOT NULL CHECK (grantee_type IN ('user', 'group')),
        grantee      TEXT NOT NULL,
        PRIMARY KEY (image_id, grantee_type, grantee)
      ) WITHOUT ROWID;
      CREATE TABLE image_launches (
        image_id         TEXT NOT NULL REFERENCES images(id),
        node             TEXT NOT NULL,
        last_launched_at TEXT NOT NULL,
        PRIMARY KEY (image_id, node)
      ) WITHOUT ROWID;
      ALTER TABLE instances ADD COLUMN disable_api_stop INTEGER CHECK (disable_api_stop IN (0, 1));
      ALTER TABLE instances ADD COLUMN cpu_credits TEXT CHECK (cpu_credits IN ('standard', 'unlimited'));
      CREATE TRIGGER region_image_launch_permissions_insert AFTER INSERT ON image_launch_permissions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_launch_permissions', json_array(NEW.image_id, NEW.grantee_type, NEW.grantee));
      END;
      CREATE TRIGGER region_image_launch_permissions_update AFTER UPDATE ON image_launch_permissions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'image_launch_permissions', json_array(OLD.image_id, OLD.grantee_type, OLD.grantee) WHERE (OLD.image_id IS NOT NEW.image_id OR OLD.grantee_type IS NOT NEW.grantee_type OR OLD.grantee IS NOT NEW.grantee);
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_launch_permissions', json_array(NEW.image_id, NEW.grantee_type, NEW.grantee));
      END;
      CREATE TRIGGER region_image_launch_permissions_delete AFTER DELETE ON image_launch_permissions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_launch_permissions', json_array(OLD.image_id, OLD.grantee_type, OLD.grantee));
      END;
      CREATE TRIGGER region_image_launches_insert AFTER INSERT ON image_launches
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_launches', json_array(NEW.image_id, NEW.node));
      END;
      CREATE TRIGGER region_image_launches_update AFTER UPDATE ON image_launches
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'image_launches', json_array(OLD.image_id, OLD.node) WHERE (OLD.image_id IS NOT NEW.image_id OR OLD.node IS NOT NEW.node);
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_launches', json_array(NEW.image_id, NEW.node));
      END;
      CREATE TRIGGER region_image_launches_delete AFTER DELETE ON image_launches
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('image_launches', json_array(OLD.image_id, OLD.node));
      END;
    `,
  },
  {
    version: 13,
    name: "launch templates",
    // Region tables: a template and its numbered versions (each version's data is the request's JSON). last_version is
    // the highest number ever given, since a deleted version's number is never reused.
    sql: `
      CREATE TABLE launch_templates (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL UNIQUE,
        default_version INTEGER NOT NULL,
        last_version    INTEGER NOT NULL,
        created_at      TEXT NOT NULL,
        created_by      TEXT NOT NULL,
        client_token    TEXT
      );
      CREATE TABLE launch_template_versions (
        template_id  TEXT NOT NULL REFERENCES launch_templates(id) ON DELETE CASCADE,
        version      INTEGER NOT NULL,
        description  TEXT,
        data         TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        created_by   TEXT NOT NULL,
        client_token TEXT,
        PRIMARY KEY (template_id, version)
      );
      CREATE TRIGGER region_launch_templates_insert AFTER INSERT ON launch_templates
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('launch_templates', json_array(NEW.id));
      END;
      CREATE TRIGGER region_launch_templates_update AFTER UPDATE ON launch_templates
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'launch_templates', json_array(OLD.id) WHERE (OLD.id IS NOT NEW.id);
        INSERT INTO region_outbox (tbl, pk) VALUES ('launch_templates', json_array(NEW.id));
      END;
      CREATE TRIGGER region_launch_templates_delete AFTER DELETE ON launch_templates
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('launch_templates', json_array(OLD.id));
      END;
      CREATE TRIGGER region_launch_template_versions_insert AFTER INSERT ON launch_template_versions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('launch_template_versions', json_array(NEW.template_id, NEW.version));
      END;
      CREATE TRIGGER region_launch_template_versions_update AFTER UPDATE ON launch_template_versions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'launch_template_versions', json_array(OLD.template_id, OLD.version) WHERE (OLD.template_id IS NOT NEW.template_id OR OLD.version IS NOT NEW.version);
        INSERT INTO region_outbox (tbl, pk) VALUES ('launch_template_versions', json_array(NEW.template_id, NEW.version));
      END;
      CREATE TRIGGER region_launch_template_versions_delete AFTER DELETE ON launch_template_versions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('launch_template_versions', json_array(OLD.template_id, OLD.version));
      END;
    `,
  },
  {
    version: 14,
    name: "ssm parameters",
    // Region tables. A parameter is its name and latest version number (versions count on after old ones go); each
    // version keeps its value (a SecureString's as AES-256-GCM ciphertext, base64), type and settings; a label names
    // one version of its parameter. Public parameters (/aws/service/...) name an image and count their own versions.
    sql: `
      CREATE TABLE parameters (
        name    TEXT PRIMARY KEY,
        version INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE parameter_versions (
        name            TEXT NOT NULL REFERENCES parameters(name) ON DELETE CASCADE,
        version         INTEGER NOT NULL,
        type            TEXT NOT NULL CHECK (type IN ('String', 'StringList', 'SecureString')),
        value           TEXT NOT NULL,
        key_id          TEXT,
        description     TEXT,
        allowed_pattern TEXT,
        data_type       TEXT NOT NULL,
        tier            TEXT NOT NULL,
        modified_at     TEXT NOT NULL,
        modified_by     TEXT NOT NULL,
        PRIMARY KEY (name, version)
      ) WITHOUT ROWID;
      CREATE TABLE parameter_labels (
        name    TEXT NOT NULL,
        label   TEXT NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (name, label),
        FOREIGN KEY (name, version) REFERENCES parameter_versions(name, version) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX parameter_labels_version ON parameter_labels(name, version);
      CREATE TABLE parameter_tags (
        name  TEXT NOT NULL REFERENCES parameters(name) ON DELETE CASCADE,
        key   TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (name, key)
      ) WITHOUT ROWID;
      CREATE TABLE public_parameters (
        name        TEXT PRIMARY KEY,
        image_id    TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        version     INTEGER NOT NULL,
        modified_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX public_parameters_image ON public_parameters(image_id);

      CREATE TRIGGER region_parameters_insert AFTER INSERT ON parameters
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameters', json_array(NEW.name));
      END;
      CREATE TRIGGER region_parameters_update AFTER UPDATE ON parameters
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'parameters', json_array(OLD.name) WHERE (OLD.name IS NOT NEW.name);
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameters', json_array(NEW.name));
      END;
      CREATE TRIGGER region_parameters_delete AFTER DELETE ON parameters
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameters', json_array(OLD.name));
      END;
      CREATE TRIGGER region_parameter_versions_insert AFTER INSERT ON parameter_versions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_versions', json_array(NEW.name, NEW.version));
      END;
      CREATE TRIGGER region_parameter_versions_update AFTER UPDATE ON parameter_versions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'parameter_versions', json_array(OLD.name, OLD.version) WHERE (OLD.name IS NOT NEW.name OR OLD.version IS NOT NEW.version);
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_versions', json_array(NEW.name, NEW.version));
      END;
      CREATE TRIGGER region_parameter_versions_delete AFTER DELETE ON parameter_versions
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_versions', json_array(OLD.name, OLD.version));
      END;
      CREATE TRIGGER region_parameter_labels_insert AFTER INSERT ON parameter_labels
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_labels', json_array(NEW.name, NEW.label));
      END;
      CREATE TRIGGER region_parameter_labels_update AFTER UPDATE ON parameter_labels
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'parameter_labels', json_array(OLD.name, OLD.label) WHERE (OLD.name IS NOT NEW.name OR OLD.label IS NOT NEW.label);
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_labels', json_array(NEW.name, NEW.label));
      END;
      CREATE TRIGGER region_parameter_labels_delete AFTER DELETE ON parameter_labels
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_labels', json_array(OLD.name, OLD.label));
      END;
      CREATE TRIGGER region_parameter_tags_insert AFTER INSERT ON parameter_tags
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_tags', json_array(NEW.name, NEW.key));
      END;
      CREATE TRIGGER region_parameter_tags_update AFTER UPDATE ON parameter_tags
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'parameter_tags', json_array(OLD.name, OLD.key) WHERE (OLD.name IS NOT NEW.name OR OLD.key IS NOT NEW.key);
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_tags', json_array(NEW.name, NEW.key));
      END;
      CREATE TRIGGER region_parameter_tags_delete AFTER DELETE ON parameter_tags
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('parameter_tags', json_array(OLD.name, OLD.key));
      END;
      CREATE TRIGGER region_public_parameters_insert AFTER INSERT ON public_parameters
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('public_parameters', json_array(NEW.name));
      END;
      CREATE TRIGGER region_public_parameters_update AFTER UPDATE ON public_parameters
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) SELECT 'public_parameters', json_array(OLD.name) WHERE (OLD.name IS NOT NEW.name);
        INSERT INTO region_outbox (tbl, pk) VALUES ('public_parameters', json_array(NEW.name));
      END;
      CREATE TRIGGER region_public_parameters_delete AFTER DELETE ON public_parameters
      WHEN NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)
      BEGIN
        INSERT INTO region_outbox (tbl, pk) VALUES ('public_parameters', json_array(OLD.name));
      END;
    `,
  },
];
