/**
 * The Kubernetes objects this provider reads, as kubectl prints them with
 * `-o json` (and as manifests are written). Only the fields we read are
 * typed; the rest is carried through untouched (a pod template goes back
 * whole). Required here is what the API server always returns.
 */

export interface ObjectMeta {
  name: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid: string }[];
}

/** What every kind has. */
export interface KubeObject {
  metadata: ObjectMeta;
}

export interface Container {
  name: string;
  image: string;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
}

export interface PodTemplate {
  metadata?: Partial<ObjectMeta>;
  spec: PodSpec;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
}

/** A Deployment or a ReplicaSet: what runs a pod template. */
export interface Workload extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: PodTemplate;
  };
}

export type ReplicaSet = Workload;

export interface Deployment extends Workload {
  /** Set by the API server on every write: what `status.observedGeneration` catches up with. */
  metadata: ObjectMeta & { generation: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode: number; reason?: string; message?: string } };
}

export interface Pod extends KubeObject {
  status?: {
    conditions?: Condition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

export interface Service extends KubeObject {
  spec?: { selector?: Record<string, string> };
}

/**
 * An object of the `manifests` input, checked to have apiVersion, kind and
 * metadata.name. Its spec depends on the kind: a workload's pod spec is
 * found by podSpecOf, a Service's selector is kept by the blue-green apply.
 */
export interface Manifest extends KubeObject {
  apiVersion: string;
  kind: string;
  spec?: PodSpec & {
    template?: PodTemplate;
    jobTemplate?: { spec?: { template?: PodTemplate } };
    selector?: Record<string, unknown>;
  };
}

/** What `kubectl get <kind>` returns, for the kinds we read. */
export interface KubeKinds {
  deployment: Deployment;
  service: Service;
  replicasets: ReplicaSet;
  pods: Pod;
}
