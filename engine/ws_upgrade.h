/*
 * Rewriting a format 1.x store as 2.0 (wirescan upgrade; ws_upgrade.c).
 */
#ifndef WS_UPGRADE_H
#define WS_UPGRADE_H

/* One store (not a shard set): see ws_store_upgrade in wirescan.h. */
int ws_upgrade_store(const char *path, int *upgraded);

#endif
