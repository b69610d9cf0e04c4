/**
 * The load generator of bench:capital-flow, run as its own process (`node load-generator.js <json>`), so the
 * gateway's process serves and nothing else. autocannon, not wrk: every snapshot request needs a fresh HMAC-SHA256
 * signature (the replay guard refuses a repeated one), which autocannon's `setupRequest` computes with node:crypto;
 * wrk would need an HMAC written in Lua. Both routes get the same client work (a signature per request), so the
 * ratio compares the servers, not two different clients. Prints autocannon's result and its own checks as JSON.
 */
'use strict';
const { createHmac } = require('node:crypto');
const autocannon = require('autocannon');

const { url, route, key, secret, seconds, connections } = JSON.parse(process.argv[2]);
const SNAPSHOT = '/api/open/v1/trade/getCoinTradeSnapshot';
const TRIVIAL = '/health/live';
// every body differs (date moves by 1 ms per request; the server floors it to 5 minutes), so no two signatures match
const baseDate = Date.now() - 3_600_000;
let sent = 0;
let wrongAnswers = 0;
let firstWrong;

function sign(timestamp, method, path, body) {
  return createHmac('sha256', secret).update(timestamp + method + path + body).digest('hex');
}

function setupRequest(request) {
  const n = sent++;
  const body = JSON.stringify({ vsTokenId: (n % 10) + 1, date: baseDate - n });
  const timestamp = String(Date.now());
  const signed = { 'x-api-key': key, 'x-timestamp': timestamp };
  if (route === 'snapshot') {
    return { ...request, method: 'POST', path: SNAPSHOT, body, headers: { 'content-type': 'application/json', ...signed, 'x-sign': sign(timestamp, 'POST', SNAPSHOT, body) } };
  }
  return { ...request, method: 'GET', path: TRIVIAL, headers: { ...signed, 'x-sign': sign(timestamp, 'POST', SNAPSHOT, body) } };
}

function onResponse(status, body) {
  // the snapshot answers HTTP 200 with its own code: only code 200 with data counts as served
  const ok = route === 'snapshot' ? status === 200 && body.startsWith('{"code":200,') : status === 200;
  if (!ok) {
    wrongAnswers++;
    firstWrong ??= `${status} ${body.slice(0, 200)}`;
  }
}

autocannon(
  { url, connections, duration: seconds, requests: [{ setupRequest, onResponse }] },
  (error, result) => {
    if (error) throw error;
    process.stdout.write(JSON.stringify({ result, wrongAnswers, firstWrong, cpu: process.cpuUsage() }));
  },
);
