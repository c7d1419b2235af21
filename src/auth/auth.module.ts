import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserModule } from '../user/user.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthSessionEntity } from './auth-session.entity';
import { AuthController } from './auth.controller';
import { AdminGuard, JwtAuthGuard } from './auth.guards';
import { AuthService } from './auth.service';
import { JWT_ALGORITHM, JwtStrategy } from './jwt.strategy';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { SessionService } from './session.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([AuthSessionEntity]),
    UserModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        secret: config.backend.secret_key,
        signOptions: { algorithm: JWT_ALGORITHM, expiresIn: Math.floor(config.backend.access_token_ttl / 1000) },
        verifyOptions: { algorithms: [JWT_ALGORITHM] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionService,
    PasswordHasher,
    LoginRateLimiter,
    JwtStrategy,
    AdminBootstrapService,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: AdminGuard },
  ],
  exports: [SessionService, PasswordHasher],
})
export class AuthModule {}
