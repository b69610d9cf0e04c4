export * from './points-period';
export * from './points-meter';
export * from './sql-points-counter';
export * from './redis-points-counter';
