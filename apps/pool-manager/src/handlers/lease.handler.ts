import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MessageOf } from '@app/contracts';
import { LeaseService } from '../services/lease.service';

@Controller()
export class LeaseHandler {
  constructor(private readonly leases: LeaseService) {}

  @EventPattern('AcquireLease')
  acquire(@Payload() command: MessageOf<'AcquireLease'>): Promise<void> {
    return this.leases.acquire(command);
  }

  @EventPattern('ReleaseLease')
  release(@Payload() command: MessageOf<'ReleaseLease'>): Promise<void> {
    return this.leases.release(command);
  }

  @EventPattern('RenewLease')
  renew(@Payload() command: MessageOf<'RenewLease'>): Promise<void> {
    return this.leases.renew(command);
  }
}
