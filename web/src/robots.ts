import { api, call } from './api/client';
import { useLoad } from './components/Async';

/**
 * The robots for the screens that list or pick them: the first 200 (far more than one operator runs), and a robot's
 * name by id (`#id` until they are loaded, or for a robot since deleted).
 */
export function useRobots() {
  const robots = useLoad(() => call(api.GET('/api/robots', { params: { query: { limit: 200 } } })));
  const robotName = (id: number) => robots.data?.items.find((r) => r.id === id)?.name ?? `#${id}`;
  return { ...robots, robotName };
}
