"""The web app's shell: layout, login and logout, navigation, the dashboard and settings pages."""
