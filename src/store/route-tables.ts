// The route_tables, routes, route_table_associations and internet_gateways tables: how each subnet's traffic leaves.

import type { Driver } from "./driver.ts";
import type { InternetGatewayRecord, RouteRecord, RouteTableAssociationRecord, RouteTableRecord } from "./network-records.ts";
import { resourceRepo, type ResourceRepo } from "./resource-repo.ts";
import { defineTable } from "./table.ts";

const tables = defineTable<RouteTableRecord>("route_tables", { id: "id", vpcId: "vpc_id", createdAt: "created_at" });
const routes = defineTable<RouteRecord>("routes", {
  routeTableId: "route_table_id",
  destination: "destination",
  gatewayId: "gateway_id",
  origin: "origin",
});
const associations = defineTable<RouteTableAssociationRecord>("route_table_associations", {
  id: "id",
  routeTableId: "route_table_id",
  subnetId: "subnet_id",
  main: { bool: "is_main" },
});
const gateways = defineTable<InternetGatewayRecord>("internet_gateways", { id: "id", vpcId: "vpc_id", createdAt: "created_at" });

export interface RouteTableRepo extends ResourceRepo<RouteTableRecord> {
  forVpc(vpcId: string): RouteTableRecord[];
  routes(routeTableId?: string): RouteRecord[];
  /** Inserts or replaces the route for its destination. */
  putRoute(route: RouteRecord): void;
  deleteRoute(routeTableId: string, destination: string): boolean;
  associations(routeTableId?: string): RouteTableAssociationRecord[];
  association(id: string): RouteTableAssociationRecord | undefined;
  addAssociation(a: RouteTableAssociationRecord): void;
  updateAssociation(id: string, routeTableId: string): boolean;
  deleteAssociation(id: string): boolean;
  readonly internetGateways: ResourceRepo<InternetGatewayRecord>;
}

export const routeTableRepo = (db: Driver): RouteTableRepo => ({
  ...resourceRepo(db, "route_tables", tables),
  forVpc: (vpcId) => tables.many(db, `${tables.select} WHERE vpc_id = ? ORDER BY id`, vpcId),
  routes: (id) =>
    id === undefined
      ? routes.many(db, `${routes.select} ORDER BY route_table_id, destination`)
      : routes.many(db, `${routes.select} WHERE route_table_id = ? ORDER BY destination`, id),
  putRoute: (route) =>
    void db.run(`${routes.insert} ON CONFLICT (route_table_id, destination) DO UPDATE SET gateway_id = excluded.gateway_id, origin = excluded.origin`, ...routes.params(route)),
  deleteRoute: (id, destination) => db.run("DELETE FROM routes WHERE route_table_id = ? AND destination = ?", id, destination).changes > 0,
  associations: (id) =>
    id === undefined
      ? associations.many(db, `${associations.select} ORDER BY id`)
      : associations.many(db, `${associations.select} WHERE route_table_id = ? ORDER BY id`, id),
  association: (id) => associations.one(db, `${associations.select} WHERE id = ?`, id),
  addAssociation: (a) => void db.run(associations.insert, ...associations.params(a)),
  updateAssociation: (id, routeTableId) => db.run("UPDATE route_table_associations SET route_table_id = ? WHERE id = ?", routeTableId, id).changes > 0,
  deleteAssociation: (id) => db.run("DELETE FROM route_table_associations WHERE id = ?", id).changes > 0,
  internetGateways: resourceRepo(db, "internet_gateways", gateways),
});
