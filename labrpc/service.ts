// Servers and services, as in the lab: a server holds services by name, a
// service dispatches "Service.Method" to one of its handlers.

/** A handler gets a private copy of the arguments and returns the reply. */
export type Handler = (args: never) => unknown;

export class Service {
  private readonly handlers: ReadonlyMap<string, Handler>;

  constructor(
    readonly name: string,
    handlers: Record<string, Handler>,
  ) {
    this.handlers = new Map(Object.entries(handlers));
  }

  methodNames(): string[] {
    return [...this.handlers.keys()];
  }

  handler(method: string): Handler | undefined {
    return this.handlers.get(method);
  }
}

export type Lookup = { handler: Handler } | { error: string };

export class Server {
  /** RPCs this server received (delivered to a handler), as the lab's GetCount. */
  count = 0;
  private readonly services = new Map<string, Service>();
  private readonly handlers = new Map<string, Handler>();

  addService(service: Service): void {
    this.services.set(service.name, service);
    this.handlers.clear();
  }

  /** Finds the handler for "Service.Method", or says clearly what is wrong. */
  lookup(svcMeth: string): Lookup {
    const known = this.handlers.get(svcMeth);
    if (known !== undefined) return { handler: known };
    const dot = svcMeth.lastIndexOf('.');
    const serviceName = dot < 0 ? '' : svcMeth.slice(0, dot);
    const method = svcMeth.slice(dot + 1);
    const service = this.services.get(serviceName);
    if (service === undefined) {
      const known = [...this.services.keys()].join(', ') || 'none';
      return { error: `unknown service '${serviceName}' in '${svcMeth}' (known services: ${known})` };
    }
    const handler = service.handler(method);
    if (handler === undefined) {
      const known = service
        .methodNames()
        .map((m) => `${serviceName}.${m}`)
        .join(', ');
      return { error: `unknown method '${svcMeth}' (known methods: ${known})` };
    }
    this.handlers.set(svcMeth, handler);
    return { handler };
  }
}
