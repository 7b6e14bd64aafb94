"""The KPI catalogue, its compiler and the engines that run it."""
