// The README walk-through's filing, with types generated from the served specs by
// openapi-typescript and the openapi-fetch client: tsc checks every path, parameter, body and
// answer below against the specs; node then runs it against the sandbox at process.argv[2].
// (tests/server/test_generated_typescript_client.py writes work-permit.ts, sandbox.ts here.)
import createClient from "openapi-fetch";
import type { components, operations, paths as WorkPermit } from "./work-permit.js";
import type { paths as Sandbox } from "./sandbox.js";

type Application = components["schemas"]["Application"];
type ApplicationInput = operations["createApplication"]["requestBody"]["content"]["application/json"];

function must<T>(value: T | undefined, error: unknown): T {
  if (value === undefined) throw new Error(JSON.stringify(error));
  return value;
}

const documents: NonNullable<ApplicationInput["documents"]> = [
  { type: "CRIMINAL_RECORD", issue_date: "2026-01-20", legalised: true, translated: true },
  { type: "HEALTH_CERTIFICATE", issue_date: "2026-02-10", legalised: false, translated: true },
  { type: "DEGREE_CERTIFICATE", issue_date: "2014-07-01", legalised: true, translated: true },
];

export async function walk(base: string): Promise<Application> {
  const sandbox = createClient<Sandbox>({ baseUrl: `${base}/sandbox/v1` });
  const created = await sandbox.POST("/tenants", { body: { name: "typescript", seed: 7 } });
  const tenant = must(created.data, created.error);
  const control = { headers: { "X-Sandbox-Key": tenant.admin_key } };
  const path = { tenantId: tenant.id };
  const clock = await sandbox.PUT("/tenants/{tenantId}/clock", {
    params: { path }, ...control, body: { now: "2026-03-02T09:00:00+08:00", frozen: true } });
  must(clock.data, clock.error);

  const anonymous = createClient<WorkPermit>({ baseUrl: `${base}/fwp/v1` });
  const issued = await anonymous.POST("/oauth/token", {
    body: { grant_type: "client_credentials", client_id: tenant.employer.client_id,
            client_secret: tenant.employer.client_secret },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  const token = must(issued.data, issued.error).access_token;
  const fwp = createClient<WorkPermit>({ baseUrl: `${base}/fwp/v1`, headers: { Authorization: `Bearer ${token}` } });
  const employer = await fwp.PUT("/employer", {
    body: { uscc: "91350200776049653A", name_zh: "厦门示例科技有限公司", province: "35" } });
  must(employer.data, employer.error);
  const foreigner = await fwp.POST("/foreigners", { body: {
    full_name: "MUELLER ANNA", sex: "F", birth_date: "1990-05-17", nationality: "DEU",
    passport_number: "C01X00T47", passport_expiry: "2034-01-31", education: "MASTER",
    experience_years: 5, chinese_level: "HSK3" } });
  const filed = await fwp.POST("/applications", {
    params: { header: { "Idempotency-Key": "typescript-app-1" } },
    body: { type: "NEW_OVERSEAS", foreigner_id: must(foreigner.data, foreigner.error).id, category: "B",
            qualification_route: "POINTS", documents: [
              { type: "EMPLOYMENT_CONTRACT", issue_date: "2026-02-20", legalised: false, translated: true },
              ...documents],
            job: { position: "Senior battery engineer", annual_salary_cny: 300000, province: "31",
                   city: "Shanghai", contract_start: "2026-05-01", contract_end: "2028-04-30" } } });
  const application = must(filed.data, filed.error);
  const officer = { params: { path: { ...path, applicationId: application.id } }, ...control };
  must((await sandbox.POST("/tenants/{tenantId}/officer/applications/{applicationId}/acceptance", officer)).data,
       "acceptance");
  const approved = await sandbox.POST("/tenants/{tenantId}/officer/applications/{applicationId}/approval", officer);
  const permitNumber = must(must(approved.data, approved.error).work_permit_number ?? undefined, "no permit");
  const permit = await fwp.GET("/work-permits/{permitNumber}", { params: { path: { permitNumber } } });
  const status: string = must(permit.data, permit.error).status;
  if (status !== "NOTICE_ISSUED") throw new Error(`permit ${status}`);
  const read = await fwp.GET("/applications/{applicationId}", {
    params: { path: { applicationId: application.id } } });
  return must(read.data, read.error);
}

const base = process.argv[2];
if (base !== undefined) {
  walk(base).then((application) => console.log(JSON.stringify(application)),
                  (error: unknown) => { console.error(error); process.exitCode = 1; });
}
