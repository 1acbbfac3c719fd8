// The workflow steps of the Node.js example adapter (adapter.js): hiring in China, changes,
// withdrawal, reapplying after a rejection, entry, onboarding, permit validity, the e-SSC's SMS
// code and QR inspection. Node standard library only; `expect` and `file` come from adapter.js.
'use strict';

const crypto = require('node:crypto');

const IN_FORCE = ['NOTICE_ISSUED', 'ENTERED', 'PENDING_ORIGINALS_CHECK', 'ACTIVE', 'EXPIRING', 'LEGACY_PHYSICAL'];
const ORIGINALS_CHECK_DAYS = 30;  // B and C: calendar days from entry
const COMPARED = ['type', 'foreigner_id', 'category', 'qualification_route', 'job'];

function workflowSteps({ expect, file }) {
  return {
    // A change of employer: the person is in China, the old permit cancelled, the number theirs.
    async file_in_china(client, { person, job, category, qualification_route, documents }) {
      const foreigner = expect(await client.employer('POST', '/foreigners',
        { body: person, key: crypto.randomUUID() }), 201);
      const application = expect(await client.employer('POST', '/applications', {
        body: { type: 'NEW_IN_CHINA', foreigner_id: foreigner.id, category, qualification_route, job, documents },
        key: crypto.randomUUID(),
      }), 201);
      return { foreigner_id: foreigner.id, application_id: application.id };
    },

    // A permit is the province's: a move out of it is a new application there, not a change.
    async change(client, { permit, changes }) {
      const current = expect(await client.employer('GET', `/work-permits/${permit}`), 200);
      if (changes.province !== undefined && changes.province !== current.province) {
        return { application_id: null, new_application_required: true };
      }
      return { ...(await file(client, permit, 'change', changes)), new_application_required: false };
    },
    async enter_sms_code(client, { registration, code }) {
      const confirmed = expect(await client.app('POST',
        `/essc/registrations/${registration}/real-name-check/confirmation`, { sms_code: code }), 200);
      return { registered: confirmed.status === 'ISSUED' };
    },

    // Withdraw only what is undecided: read first, the officer may have decided meanwhile.
    async withdraw(client, { application }) {
      const current = expect(await client.employer('GET', `/applications/${application}`), 200);
      if (['APPROVED', 'REJECTED', 'WITHDRAWN'].includes(current.status)) {
        return { withdrawn: current.status === 'WITHDRAWN', status: current.status };
      }
      const done = expect(await client.employer('POST', `/applications/${application}/withdrawal`), 200);
      return { withdrawn: done.status === 'WITHDRAWN', status: done.status };
    },

    // After a rejection, file again only when something changed: the same filing fails the same way.
    async reapply(client, { application, documents }) {
      const rejected = expect(await client.employer('GET', `/applications/${application}`), 200);
      const reason = (rejected.decision && rejected.decision.reason) || null;
      const canonical = (list) => list.map((d) => JSON.stringify(Object.keys(d).sort().map((k) => [k, d[k]]))).sort();
      if (JSON.stringify(canonical(documents)) === JSON.stringify(canonical(rejected.documents))) {
        return { application_id: null, reason };
      }
      const body = Object.fromEntries(COMPARED.map((key) => [key, rejected[key]]));
      const filed = expect(await client.employer('POST', '/applications',
        { body: { ...body, documents }, key: crypto.randomUUID() }), 201);
      return { application_id: filed.id, reason };
    },

    // Read now, every time: a permit ends on its last day whatever was known before.
    async permit_status(client, { permit }) {
      const current = expect(await client.employer('GET', `/work-permits/${permit}`), 200);
      return { valid: IN_FORCE.includes(current.status), status: current.status, valid_to: current.valid_to };
    },

    // The day of entry starts the originals check's 30 days (B and C; none for A).
    async record_entry(client, { permit, entry_date }) {
      const entered = expect(await client.employer('POST', `/work-permits/${permit}/entry`,
        { body: { entry_date } }), 200);
      if (entered.category === 'A') return { originals_check_by: null };
      const due = new Date(`${entered.entry_date}T00:00:00Z`);
      due.setUTCDate(due.getUTCDate() + ORIGINALS_CHECK_DAYS);
      return { originals_check_by: due.toISOString().slice(0, 10) };
    },

    // Every holder of a permit in force not insured yet: insured from the permit's start, at once.
    async act_on_new_permits(client) {
      const permits = expect(await client.employer('GET', '/work-permits?limit=100'), 200).items;
      const insured = expect(await client.call('GET', '/ssc/v1/insured-persons?limit=100'), 200).items;
      const known = new Set(insured.map((p) => p.foreigner_id));
      const done = [];
      for (const permit of permits) {
        if (!IN_FORCE.includes(permit.status) || permit.form !== 'ELECTRONIC' || known.has(permit.foreigner_id)) continue;
        const body = { foreigner_id: permit.foreigner_id, insured_from: permit.valid_from };
        const ssn = expect(await client.call('POST', '/ssc/v1/insured-persons', { body }), 201).ssn;
        done.push({ foreigner_id: permit.foreigner_id, ssn });
        known.add(permit.foreigner_id);
      }
      return { insured: done };
    },

    // Every scan verified by the sandbox at the scan: a code's own content proves nothing.
    async inspect_qr(client, { qr_payload }) {
      const verdict = expect(await client.app('POST', '/inspections', { qr_payload }), 200);
      return {
        valid: verdict.valid, reason: verdict.reason,
        permit_number: (verdict.permit && verdict.permit.work_permit_number) || null,
      };
    },

  };
}

module.exports = { workflowSteps };
