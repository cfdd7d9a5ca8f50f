// The development entry (upshift/dev): autogenerate, init, merge, check. Never imported by the runtime.
export {};
