// Services a job starts or talks to: a database container that is still starting, a port a previous job's
// process still holds, next to an application configured for the wrong port. "Connection refused" on both sides.
import type { FailureKind } from '../types.ts';
import { t, NODE, PY, JVM, GO, RUST } from './t.ts';

export const SERVICE_NOT_READY: FailureKind = {
  id: 'service-not-ready',
  category: 'service',
  transient: true,
  steps: ['integration-tests', 'migrate'],
  exitCodes: [1],
  summary: 'the job talks to its database or broker container before it accepts connections',
  hint: 'the {db} service container was not ready yet; retry (and wait for its health check)',
  templates: [
    t("Error: connect ECONNREFUSED 127.0.0.1:{dbport}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {\n  errno: -111,\n  code: 'ECONNREFUSED',\n  syscall: 'connect',\n  address: '127.0.0.1',\n  port: {dbport}\n}", { eco: NODE }),
    t('psql: error: connection to server at "{dbhost}" ({ip}), port {dbport} failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?', { exit: 2, db: ['postgres'] }),
    t('psycopg2.OperationalError: connection to server at "{dbhost}" ({ip}), port {dbport} failed: FATAL:  the database system is starting up', { eco: PY, db: ['postgres'] }),
    t('FATAL:  the database system is starting up\nError: P1001: Can\'t reach database server at `{dbhost}`:`{dbport}`', { eco: NODE, db: ['postgres'] }),
    t("ERROR 2002 (HY000): Can't connect to MySQL server on '{dbhost}' (115)", { db: ['mysql'] }),
    t("ERROR 2003 (HY000): Can't connect to MySQL server on '{dbhost}:{dbport}' (111)", { db: ['mysql'] }),
    t('redis.exceptions.ConnectionError: Error 111 connecting to {dbhost}:{dbport}. Connection refused.', { eco: PY, db: ['redis'] }),
    t('Error: Redis connection to {dbhost}:{dbport} failed - connect ECONNREFUSED {ip}:{dbport}', { eco: NODE, db: ['redis'] }),
    t('WARN [AdminClient clientId=adminclient-1] Connection to node -1 ({dbhost}/{ip}:{dbport}) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)\norg.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: listTopics', { db: ['kafka'] }),
    t('org.postgresql.util.PSQLException: Connection to {dbhost}:{dbport} refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.\n\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:342)\nCaused by: java.net.ConnectException: Connection refused', { eco: JVM, db: ['postgres'] }),
    t('failed to connect to `host={dbhost} user=app database=app_test`: dial error (dial tcp {ip}:{dbport}: connect: connection refused)', { eco: GO, db: ['postgres'] }),
    t('Error: error communicating with database: Connection refused (os error 111)', { eco: RUST }),
    t('org.testcontainers.containers.ContainerLaunchException: Container startup failed for image {svcimage}\nCaused by: org.rnorth.ducttape.RetryCountExceededException: Retry limit hit with exception\nCaused by: org.testcontainers.containers.ContainerLaunchException: Timed out waiting for container port to open ({ip} ports: [{ephemeral}] should be listening)', { eco: JVM, steps: ['integration-tests'] }),
    t('wait-for-it.sh: waiting 30 seconds for {dbhost}:{dbport}\nwait-for-it.sh: timeout occurred after waiting 30 seconds for {dbhost}:{dbport}', { weight: 0.5 }),
    t("curl: (7) Failed to connect to localhost port {appport} after 0 ms: Couldn't connect to server\nsmoke test failed: http://localhost:{appport}/healthz not reachable", { steps: ['integration-tests'], exit: 7, weight: 0.5 }),
  ],
};

export const PORT_IN_USE: FailureKind = {
  id: 'port-in-use',
  category: 'service',
  transient: true,
  remediation: 'other-runner',
  steps: ['unit-tests', 'integration-tests'],
  exitCodes: [1],
  summary: 'a port the tests need is still held by a process a previous job left on the runner',
  hint: 'port {appport} is held by a left-over process on runner {runner}; retry on another runner',
  templates: [
    t("Error: listen EADDRINUSE: address already in use :::{appport}\n    at Server.setupListenHandle [as _listen2] (node:net:1872:16)\n    at listenInCluster (node:net:1920:12) {\n  code: 'EADDRINUSE',\n  errno: -98,\n  syscall: 'listen',\n  address: '::',\n  port: {appport}\n}", { eco: NODE }),
    t("ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', {appport}): address already in use", { eco: PY }),
    t('OSError: [Errno 98] Address already in use\n\n{testfile}:{line}: OSError', { eco: PY }),
    t('***************************\nAPPLICATION FAILED TO START\n***************************\n\nDescription:\n\nWeb server failed to start. Port {appport} was already in use.\n\nAction:\n\nIdentify and stop the process that\'s listening on port {appport} or configure this application to listen on another port.', { eco: JVM }),
    t('java.net.BindException: Address already in use\n\tat java.base/sun.nio.ch.Net.bind0(Native Method)\n\tat java.base/sun.nio.ch.Net.bind(Net.java:565)', { eco: JVM }),
    t('--- FAIL: {test} ({sec}s)\n    {area}_test.go:{line}: listen tcp :{appport}: bind: address already in use\nFAIL', { eco: GO }),
    t('thread \'{test}\' panicked at {testfile}:{line}:{col}:\nfailed to bind: Os { code: 98, kind: AddrInUse, message: "Address already in use" }', { eco: RUST, exit: 101 }),
    t('docker: Error response from daemon: driver failed programming external connectivity on endpoint {repo}-{db} ({hexid}): Bind for 0.0.0.0:{dbport} failed: port is already allocated.', { steps: ['integration-tests'], exit: 125 }),
    t('Error response from daemon: Ports are not available: exposing port TCP 0.0.0.0:{dbport} -> 0.0.0.0:0: listen tcp 0.0.0.0:{dbport}: bind: address already in use', { steps: ['integration-tests'] }),
  ],
};

export const MISCONFIGURED_PORT: FailureKind = {
  id: 'misconfigured-port',
  category: 'service',
  transient: false,
  steps: ['integration-tests', 'migrate', 'deploy'],
  exitCodes: [1],
  summary: 'the application listens on one port and its probe, test or client calls another: refused every time',
  hint: 'nothing listens on port {wrongport}; the application listens on {appport}: fix the port in the configuration',
  templates: [
    t("curl: (7) Failed to connect to localhost port {wrongport} after 0 ms: Couldn't connect to server\nsmoke test failed: http://localhost:{wrongport}/healthz not reachable", { steps: ['integration-tests'], exit: 7 }),
    t('wait-for-it.sh: waiting 60 seconds for localhost:{wrongport}\nwait-for-it.sh: timeout occurred after waiting 60 seconds for localhost:{wrongport}', { steps: ['integration-tests'] }),
    t("Error: connect ECONNREFUSED 127.0.0.1:{wrongport}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {\n  errno: -111,\n  code: 'ECONNREFUSED',\n  syscall: 'connect',\n  address: '127.0.0.1',\n  port: {wrongport}\n}", { eco: NODE, steps: ['integration-tests'] }),
    t("requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port={wrongport}): Max retries exceeded with url: /healthz (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f{addr}>: Failed to establish a new connection: [Errno 111] Connection refused'))", { eco: PY, steps: ['integration-tests'] }),
    t('org.springframework.web.client.ResourceAccessException: I/O error on GET request for "http://localhost:{wrongport}/actuator/health": Connection refused\nCaused by: java.net.ConnectException: Connection refused', { eco: JVM, steps: ['integration-tests'] }),
    t('--- FAIL: {test} ({sec}s)\n    {area}_test.go:{line}: Get "http://127.0.0.1:{wrongport}/healthz": dial tcp 127.0.0.1:{wrongport}: connect: connection refused\nFAIL', { eco: GO, steps: ['integration-tests'] }),
    t('psql: error: connection to server at "{dbhost}" ({ip}), port {wrongport} failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?', { steps: ['migrate'], exit: 2, db: ['postgres'] }),
    t('error: dial tcp {ip}:{wrongport}: connect: connection refused\nmigrate: could not open the database connection ({db}://app@{dbhost}:{wrongport}/app)', { steps: ['migrate'] }),
    t('Waiting for deployment "{repo}" rollout to finish: 0 of 3 updated replicas are available...\nWarning  Unhealthy  pod/{pod}  Readiness probe failed: Get "http://{ip}:{wrongport}/healthz": dial tcp {ip}:{wrongport}: connect: connection refused\nerror: deployment "{repo}" exceeded its progress deadline', { steps: ['deploy'] }),
    t('Error: UPGRADE FAILED: release {release} failed, and has been rolled back due to atomic being set: context deadline exceeded', { steps: ['deploy'] , tool: ['helm'] }),
    t('The connection to the server localhost:8080 was refused - did you specify the right host or port?', { steps: ['deploy'] }),
    t('smoke test failed: GET https://{repo}.staging.{org}.internal/healthz returned {=502 Bad Gateway|503 Service Unavailable} after 10 attempts (upstream connect error or disconnect/reset before headers. reset reason: connection failure)', { steps: ['deploy'] }),
  ],
};
