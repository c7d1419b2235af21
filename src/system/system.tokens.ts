export const CONFIG_SOURCE = Symbol('CONFIG_SOURCE');
