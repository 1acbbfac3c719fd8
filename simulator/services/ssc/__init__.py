"""The social-security-card backend (社会保障卡): social insurance, the e-SSC, physical cards."""
