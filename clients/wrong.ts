// Calls the specs do not allow: each must be a type error, or tsc reports an unused
// expect-error directive below (and the generated types would check nothing).
import createClient from "openapi-fetch";
import type { components, paths } from "./work-permit.js";

export async function wrong(fwp = createClient<paths>({ baseUrl: "http://127.0.0.1:9/fwp/v1" })): Promise<void> {
  // @ts-expect-error: no such path
  await fwp.GET("/applicationz");
  // @ts-expect-error: the application id is a path parameter, not optional
  await fwp.GET("/applications/{applicationId}", {});
  // @ts-expect-error: sex is M or F
  await fwp.POST("/foreigners", { body: { full_name: "A", sex: "X", birth_date: "1990-01-01", nationality: "DEU",
    passport_number: "C01X00T47", passport_expiry: "2034-01-31", education: "MASTER" } });
  const category: components["schemas"]["Application"]["derived_category"] = null;  // null is allowed
  // @ts-expect-error: but not another category
  const other: components["schemas"]["Application"]["derived_category"] = "D";
  void category; void other;
}
