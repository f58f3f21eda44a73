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
  },
];
