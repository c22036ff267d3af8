// Credentials: a short-lived token that expired before the job used it (a fresh job gets a new one), next to a
// permission the job does not have and a secret that was never set. "Denied", 401, 403 and "unauthorized" on
// both sides.
import type { FailureKind } from '../types.ts';
import { t, NODE } from './t.ts';

export const EXPIRED_TOKEN: FailureKind = {
  id: 'expired-token',
  category: 'auth',
  transient: true,
  steps: ['checkout', 'install', 'image-push', 'migrate', 'deploy'],
  exitCodes: [1],
  summary: 'a short-lived job token or cloud session expired (a long queue, a slow step) or its issuer hiccupped; a new job gets a fresh one',
  hint: 'the job\'s short-lived credentials expired; rerun the job to get fresh ones',
  templates: [
    t('denied: Your authorization token has expired. Reauthenticate and try again.', { steps: ['image-push'] }),
    t('An error occurred (ExpiredTokenException) when calling the GetAuthorizationToken operation: The security token included in the request is expired', { steps: ['image-push', 'deploy'], exit: 254 }),
    t('error: You must be logged in to the server (Unauthorized)', { steps: ['deploy', 'migrate'] }),
    t('Error: Kubernetes cluster unreachable: the server has asked for the client to provide credentials', { steps: ['deploy'] , tool: ['helm'] }),
    t("remote: HTTP Basic: Access denied. The provided password or token is incorrect or your account has 2FA enabled and you must use a personal access token instead of a password.\nfatal: Authentication failed for 'https://{githost}/{org}/{repo}.git/'", { steps: ['checkout'], ci: ['gitlab'], exit: 128 }),
    t('npm ERR! code E401\nnpm ERR! Unable to authenticate, your authentication token seems to be invalid.\nnpm ERR! To correct this please try logging in again with:\nnpm ERR!     npm login', { eco: NODE, steps: ['install'], tool: ['npm'] }),
    t('Error response from daemon: Head "https://{registry}/v2/{image}/manifests/{tag}": unauthorized: authentication required', { steps: ['image-push'] }),
    t('ERROR: (gcloud.container.clusters.get-credentials) There was a problem refreshing your current auth tokens: Reauthentication failed. cannot prompt during non-interactive execution.', { steps: ['deploy'] }),
    t('Error making API request.\n\nURL: PUT https://vault.{org}.internal/v1/auth/jwt/login\nCode: 403. Errors:\n\n* permission denied', { steps: ['deploy', 'migrate', 'install'], exit: 2 }),
    t("Error: Could not assume role with OIDC: Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements", { ci: ['github-actions'], steps: ['image-push', 'deploy'] }),
    t('error getting credentials - err: exit status 1, out: `token refresh failed: oauth2: "invalid_grant" "Token has been expired or revoked."`', { steps: ['image-push'] }),
  ],
};

export const PERMISSION_DENIED: FailureKind = {
  id: 'permission-denied',
  category: 'auth',
  transient: false,
  steps: ['checkout', 'build', 'lint', 'image-push', 'migrate', 'deploy'],
  exitCodes: [1],
  summary: 'the job\'s identity lacks a permission: 403 on push, RBAC forbidden, a deploy key without access, a database role without a grant, a script without the execute bit',
  hint: 'the job\'s identity is not allowed to do this; grant the permission or use the right identity',
  templates: [
    t('denied: requested access to the resource is denied', { steps: ['image-push'] }),
    t('unexpected status from POST request to https://{registry}/v2/{image}/blobs/uploads/: 403 Forbidden\ndenied: permission_denied: write_package', { steps: ['image-push'] }),
    t('denied: User: arn:aws:sts::{acct}:assumed-role/ci-{repo}/GitHubActions is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:{region}:{acct}:repository/{repo} because no identity-based policy allows the ecr:InitiateLayerUpload action', { steps: ['image-push'] }),
    t('Error from server (Forbidden): deployments.apps "{repo}" is forbidden: User "{sa}" cannot patch resource "deployments" in API group "apps" in the namespace "{ns}"', { steps: ['deploy', 'migrate'] }),
    t('Error: UPGRADE FAILED: query: failed to query with labels: secrets is forbidden: User "{sa}" cannot list resource "secrets" in API group "" in the namespace "{ns}"', { steps: ['deploy'] , tool: ['helm'] }),
    t("remote: Permission to {org}/{repo}.git denied to {bot}.\nfatal: unable to access 'https://{githost}/{org}/{repo}.git/': The requested URL returned error: 403", { steps: ['checkout', 'deploy'], exit: 128 }),
    t('git@{githost}: Permission denied (publickey).\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.', { steps: ['checkout'], exit: 128 }),
    t('ERROR:  permission denied for table {word}s\nmigration {n}_add_{word}_{ident} failed', { steps: ['migrate'], db: ['postgres'] }),
    t('ERROR:  permission denied for schema public\nLINE 1: CREATE TABLE {word}s (', { steps: ['migrate'], db: ['postgres'] }),
    t('upload failed: dist/index.html to s3://{org}-{repo}-staging/index.html An error occurred (AccessDenied) when calling the PutObject operation: Access Denied', { steps: ['deploy'] }),
    t('HttpError: Resource not accessible by integration (HTTP 403)\n##[error]Resource not accessible by integration', { ci: ['github-actions'], steps: ['deploy', 'lint'] }),
    t('/bin/sh: 1: ./scripts/ci/{word}.sh: Permission denied', { steps: ['build', 'lint', 'deploy'], exit: 126 }),
    t('│ Error: creating IAM Role (ci-{repo}-task): operation error IAM: CreateRole, https response error StatusCode: 403, RequestID: {reqid}, api error AccessDenied: User: arn:aws:sts::{acct}:assumed-role/ci-deployer/session is not authorized to perform: iam:CreateRole', { steps: ['deploy'] , tool: ['terraform'] }),
    t('{bot}@{ip}: Permission denied (publickey).\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: unexplained error (code 255) at io.c(232) [sender=3.2.7]', { steps: ['deploy'], exit: 255 }),
    t('An error occurred (AccessDeniedException) when calling the UpdateService operation: User: arn:aws:sts::{acct}:assumed-role/ci-{repo}/session is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:{region}:{acct}:service/{ns}/{repo}', { steps: ['deploy'], exit: 254 }),
  ],
};

export const MISSING_SECRET: FailureKind = {
  id: 'missing-secret',
  category: 'auth',
  transient: false,
  steps: ['checkout', 'install', 'integration-tests', 'image-push', 'migrate', 'deploy'],
  exitCodes: [1],
  summary: 'a secret, credential or variable the job needs was never set (or has the wrong name)',
  hint: 'a secret or credential this job needs is not set; add it to the pipeline\'s settings',
  templates: [
    t('##[error]Input required and not supplied: token', { ci: ['github-actions'], steps: ['image-push', 'deploy', 'install'] }),
    t('Error: Cannot perform an interactive login from a non TTY device', { steps: ['image-push'] }),
    t('no basic auth credentials', { steps: ['image-push'] }),
    t('Error response from daemon: Head "https://{registry}/v2/{image}/manifests/{tag}": unauthorized: authentication required', { steps: ['image-push'] }),
    t('Error: secret "{k8ssecret}" not found', { steps: ['deploy'] }),
    t('Warning  Failed  pod/{pod}  Error: couldn\'t find key {secret} in Secret {ns}/{k8ssecret}\nerror: deployment "{repo}" exceeded its progress deadline', { steps: ['deploy'] }),
    t('Error: Missing required environment variable {secret}\n    at requireEnv ({workdir}/src/config.ts:{line}:{col})', { eco: NODE, steps: ['integration-tests', 'migrate'] }),
    t('Traceback (most recent call last):\n  File "{workdir}/app/settings.py", line {line}, in <module>\n    DATABASE_URL = os.environ["{secret}"]\n  File "<frozen os>", line 714, in __getitem__\nKeyError: \'{secret}\'', { eco: ['python'], steps: ['integration-tests', 'migrate'] }),
    t('Unable to locate credentials. You can configure credentials by running "aws configure".', { steps: ['image-push', 'deploy'], exit: 253 }),
    t('npm ERR! code E401\nnpm ERR! Unable to authenticate, need: Basic realm="GitHub Package Registry"', { eco: NODE, steps: ['install'], tool: ['npm'] }),
    t("fatal: could not read Username for 'https://{githost}': terminal prompts disabled", { steps: ['checkout', 'install'], exit: 128 }),
    t('psql: error: connection to server at "{dbhost}" ({ip}), port {dbport} failed: fe_sendauth: no password supplied', { steps: ['migrate'], exit: 2, db: ['postgres'] }),
    t('error: You must be logged in to the server (Unauthorized)', { steps: ['deploy'] }),
    t('Caused by: java.lang.IllegalArgumentException: Could not resolve placeholder \'{secret}\' in value "${{secret}}"\n\tat org.springframework.util.PropertyPlaceholderHelper.parseStringValue(PropertyPlaceholderHelper.java:180)', { eco: ['jvm'], steps: ['integration-tests', 'migrate'] }),
    t('panic: required environment variable {secret} is not set\n\ngoroutine 1 [running]:\nmain.mustEnv(...)\n\t{workdir}/cmd/server/main.go:{line}', { eco: ['go'], steps: ['integration-tests', 'migrate'] }),
    t('Error: environment variable not found: {secret}\n\nCaused by:\n    environment variable not found', { eco: ['rust'], steps: ['integration-tests', 'migrate'] }),
  ],
};
