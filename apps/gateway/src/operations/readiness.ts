import { Injectable } from '@nestjs/common';

/**
 * Whether this instance should receive new traffic. On SIGTERM main.ts turns it off first, so `/health/ready`
 * answers 503 and the load balancer stops routing here while the servers still finish what they have.
 */
@Injectable()
export class Readiness {
  private drainingNow = false;

  get draining(): boolean {
    return this.drainingNow;
  }

  startDraining(): void {
    this.drainingNow = true;
  }
}
