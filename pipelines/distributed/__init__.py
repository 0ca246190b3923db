"""Scrapy components of distributed mode (scrapy-redis): reliable queue, scheduler, idle/reclaim extension."""
