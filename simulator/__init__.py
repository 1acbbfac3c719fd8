"""fwp-sandbox: a stateful simulator of China's foreigner work-permit and social-security-card
workflows (Notice 人社部发〔2024〕75号), with the harness to test integrations against it."""

__version__ = "0.1.0"
