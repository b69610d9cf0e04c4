/** This replica's name (`REPLICA_ID`, or host name, pid and a random suffix: see the cluster config slice). */
export const REPLICA_ID = Symbol('REPLICA_ID');
