// Deploying: the cluster's API is unavailable for a while (a control-plane upgrade, an admission webhook that
// times out, a write conflict), next to manifests, charts and pipeline files that are wrong and fail every time.
import type { FailureKind } from '../types.ts';
import { t } from './t.ts';

export const CLUSTER_API_ERROR: FailureKind = {
  id: 'cluster-api-error',
  category: 'deploy',
  transient: true,
  steps: ['migrate', 'deploy'],
  exitCodes: [1],
  summary: 'the cluster API refuses, times out or conflicts for a while: control-plane upgrade, webhook down, etcd slow, concurrent write',
  hint: 'the cluster API is unavailable for the moment; retry',
  templates: [
    t('The connection to the server {ip}:6443 was refused - did you specify the right host or port?'),
    t('Error from server (InternalError): error when creating "k8s/ingress.yaml": Internal error occurred: failed calling webhook "validate.nginx.ingress.kubernetes.io": failed to call webhook: Post "https://ingress-nginx-controller-admission.ingress-nginx.svc:443/networking/v1/ingresses?timeout=10s": context deadline exceeded', { steps: ['deploy'] }),
    t('Error from server (Conflict): error when applying patch:\n{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"..."}}}\nto:\nResource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, Kind=Deployment"\nName: "{repo}", Namespace: "{ns}"\nfor: "k8s/deployment.yaml": Operation cannot be fulfilled on deployments.apps "{repo}": the object has been modified; please apply your changes to the latest version and try again', { steps: ['deploy'] }),
    t('Error from server: etcdserver: request timed out'),
    t('Error from server (ServiceUnavailable): the server is currently unable to handle the request (get deployments.apps {repo})', { steps: ['deploy'] }),
    t('Error: UPGRADE FAILED: Kubernetes cluster unreachable: Get "https://{ip}:443/version": dial tcp {ip}:443: connect: connection refused', { steps: ['deploy'] , tool: ['helm'] }),
    t('error: unable to recognize "k8s/hpa.yaml": Get "https://{ip}:6443/api?timeout=32s": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)', { steps: ['deploy'] }),
    t('Error from server (InternalError): an error on the server ("") has prevented the request from succeeding (patch deployments.apps {repo})', { steps: ['deploy'] }),
    t('Error from server (TooManyRequests): the server has received too many requests and has asked us to try again later (post jobs.batch)', { steps: ['migrate', 'deploy'] }),
    t('time="{ts}" level=fatal msg="rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial tcp {ip}:443: connect: connection refused\\""', { steps: ['deploy'], exit: 20 }),
    t('│ Error: updating ECS Service (arn:aws:ecs:{region}:{acct}:service/{ns}/{repo}): operation error ECS: UpdateService, https response error StatusCode: 503, RequestID: {reqid}, api error ServiceUnavailableException: Service Unavailable', { steps: ['deploy'] , tool: ['terraform'] }),
    t('Error from server (Timeout): error when creating "k8s/migrate-job.yaml": Timeout: request did not complete within requested timeout - context deadline exceeded', { steps: ['migrate', 'deploy'] }),
  ],
};

export const BAD_MANIFEST: FailureKind = {
  id: 'bad-manifest',
  category: 'deploy',
  transient: false,
  steps: ['lint', 'build', 'integration-tests', 'image-build', 'deploy'],
  exitCodes: [1],
  summary: 'a manifest, chart, Dockerfile, Terraform file or pipeline file that is invalid, or a tool the job image lacks',
  hint: 'the configuration is invalid; fix the file the error names',
  templates: [
    t('error: error validating "k8s/deployment.yaml": error validating data: ValidationError(Deployment.spec.template.spec.containers[0]): unknown field "{field}" in io.k8s.api.core.v1.Container; if you choose to ignore these errors, turn validation off with --validate=false', { steps: ['deploy'] }),
    t('Error from server (BadRequest): error when creating "k8s/deployment.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].{field}"', { steps: ['deploy'] }),
    t('error: error parsing k8s/deployment.yaml: error converting YAML to JSON: yaml: line {line}: mapping values are not allowed in this context', { steps: ['deploy'] }),
    t('Error: INSTALLATION FAILED: template: {chart}/templates/deployment.yaml:{line}:{col}: executing "{chart}/templates/deployment.yaml" at <.Values.image.tag>: nil pointer evaluating interface {}.tag', { steps: ['deploy'] , tool: ['helm'] }),
    t('Error: UPGRADE FAILED: YAML parse error on {chart}/templates/configmap.yaml: error converting YAML to JSON: yaml: line {line}: did not find expected key', { steps: ['deploy'] , tool: ['helm'] }),
    t('Error: UPGRADE FAILED: cannot patch "{repo}" with kind Deployment: Deployment.apps "{repo}" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"{repo}"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable', { steps: ['deploy'] , tool: ['helm'] }),
    t('The Deployment "{repo}" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1', { steps: ['deploy'] }),
    t('╷\n│ Error: Unsupported argument\n│ \n│   on main.tf line {line}, in resource "aws_ecs_service" "app":\n│   {line}:   desired_count_max = 4\n│ \n│ An argument named "desired_count_max" is not expected here.\n╵', { steps: ['deploy'] , tool: ['terraform'] }),
    t('╷\n│ Error: Reference to undeclared input variable\n│ \n│   on {word}.tf line {line}, in resource "{tfres}":\n│   {line}:   name = var.{ident}_name\n│ \n│ An input variable with the name "{ident}_name" has not been declared.\n╵', { steps: ['deploy'] , tool: ['terraform'] }),
    t('Dockerfile:{line}\n--------------------\n  {line} | >>> COPY --from=build /app/dist ./dist\n--------------------\nERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref {hexid}::{hexid2}: "/app/dist": not found', { steps: ['image-build'] }),
    t('ERROR: failed to solve: dockerfile parse error on line {line}: unknown instruction: COPPY', { steps: ['image-build'] }),
    t('Invalid workflow file: .github/workflows/ci.yml#L{line}\nThe workflow is not valid. .github/workflows/ci.yml (Line: {line}, Col: {col}): Unexpected value \'run-on\'', { ci: ['github-actions'], system: true, steps: ['lint', 'build'] }),
    t('jobs:deploy config contains unknown keys: enviroment\nThis GitLab CI configuration is invalid.', { ci: ['gitlab'], system: true, steps: ['lint', 'build', 'deploy'] }),
    t('validating {workdir}/docker-compose.ci.yml: services.{db}.environment must be a mapping', { steps: ['integration-tests'], exit: 15 }),
    t('/usr/bin/bash: line {count}: {word}ctl: command not found', { steps: ['lint', 'build', 'deploy'], exit: 127 }),
    t('docker: invalid reference format.\nSee \'docker run --help\'.', { steps: ['integration-tests'], exit: 125 }),
  ],
};
